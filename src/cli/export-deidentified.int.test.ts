import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';

describe('sifreg export --format tidy --deidentify', () => {
  let target: TestDatabase;
  let cwd: string;
  const run = (argv: string[]) => sifreg(argv, { databaseUrl: target.url, cwd });
  beforeAll(async () => {
    target = await createTestDatabase();
    cwd = await mkdtemp(join(tmpdir(), 'sifreg-deid-'));
    expect((await run(['demo', '--subjects', '4'])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await target.destroy();
    await rm(cwd, { recursive: true, force: true });
  });

  test('writes the same subjects with every date moved by the subject shift, and records the export', async () => {
    const plain = await run(['export', '--format', 'tidy']);
    const deid = await run(['export', '--format', 'tidy', '--deidentify']);
    expect(plain.code).toBe(0);
    expect(deid.code).toBe(0);
    const rows = (text: string) =>
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
    const ids = (text: string) => new Set(rows(text).map((r) => r[0]));
    expect(ids(deid.stdout)).toEqual(ids(plain.stdout));
    const shifts = new Map(
      (await target.db.selectFrom('subject').select(['study_id', 'date_shift_days']).execute()).map((s) => [
        s.study_id,
        s.date_shift_days,
      ]),
    );
    const consent = (text: string) =>
      new Map(rows(text).flatMap((r) => (r[5] === 'consent_date' ? [[r[0]!, r[6]!] as const] : [])));
    const before = consent(plain.stdout);
    const after = consent(deid.stdout);
    expect(after.size).toBe(4);
    for (const [id, day] of before) {
      const moved = new Date(Date.parse(day) + shifts.get(id)! * 86_400_000).toISOString().slice(0, 10);
      expect(after.get(id)).toBe(moved);
    }
    const audited = await target.db
      .selectFrom('audit_event')
      .select(['action', 'entity_id'])
      .where('action', 'like', 'export.%')
      .orderBy('id')
      .execute();
    expect(audited).toEqual([
      { action: 'export.tidy', entity_id: 'tidy' },
      { action: 'export.deidentified', entity_id: 'deidentified' },
    ]);
  });

  test('the help names the option', async () => {
    const help = await run(['export', '--help']);
    expect(help.stdout + help.stderr).toContain('--deidentify');
  });
});
