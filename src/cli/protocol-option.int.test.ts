import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import { demoCohortCsv } from '../registry/index.js';

describe('--protocol FILE (or SIFREG_PROTOCOL) chooses the protocol of every verb that opens the registry', () => {
  const dbs: TestDatabase[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-protocol-'));
    // The reference protocol with the CDC 2016 MME factors (tramadol 0.1 instead of 0.2).
    const cdc2016 = { ...SACROPLASTY_SIF, rules: { ...SACROPLASTY_SIF.rules, mmeTable: 'cdc-2016' } };
    await writeFile(path.join(dir, 'cdc-2016.json'), JSON.stringify(cdc2016));
    await writeFile(path.join(dir, 'cohort.csv'), demoCohortCsv(40, 2, '2026-03-02'));
    for (let i = 0; i < 3; i++) dbs.push(await createTestDatabase());
  });
  afterAll(async () => {
    for (const db of dbs) await db.destroy();
  });

  const tramadol = async (db: TestDatabase) =>
    (
      await sql<{ mme: number }>`
        select mme_day as mme from response
        where instrument = 'analgesic' and answers->>'drug' = 'tramadol' order by id`.execute(db.db)
    ).rows.map((r) => Number(r.mme));

  test('a protocol with the CDC 2016 factors halves tramadol’s MME on import, and the report shows it', async () => {
    const [plain, option, setting] = dbs as [TestDatabase, TestDatabase, TestDatabase];
    const run = (db: TestDatabase, argv: string[], env?: Record<string, string>) =>
      sifreg(argv, { databaseUrl: db.url, cwd: dir, ...(env ? { env } : {}) });
    expect((await run(plain, ['import', 'cohort.csv'])).code).toBe(0);
    expect((await run(option, ['import', 'cohort.csv', '--protocol', 'cdc-2016.json'])).code).toBe(0);
    expect((await run(setting, ['import', 'cohort.csv'], { SIFREG_PROTOCOL: 'cdc-2016.json' })).code).toBe(0);
    const cdc2022 = await tramadol(plain);
    expect(cdc2022.length).toBeGreaterThan(0);
    expect(await tramadol(option)).toEqual(cdc2022.map((x) => Math.round(x * 50) / 100));
    expect(await tramadol(setting)).toEqual(await tramadol(option));
    const mme = async (db: TestDatabase, argv: string[] = []) => {
      const r = await run(db, ['report', '--format', 'json', ...argv]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).outcomes.mme.by_visit[0].mean as number;
    };
    expect(await mme(option, ['--protocol', 'cdc-2016.json'])).toBeLessThan(await mme(plain));
  });

  test('a protocol file that cannot be read or is not a protocol is one clear line, and nothing opens', async () => {
    await writeFile(path.join(dir, 'broken.json'), '{"id": "x"');
    const missing = await sifreg(['report', '--protocol', 'nowhere.json'], {
      databaseUrl: dbs[0]!.url,
      cwd: dir,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `sifreg report: cannot read protocol file ${path.join(dir, 'nowhere.json')}: no such file\n`,
    );
    const broken = await sifreg(['export', '--format', 'tidy'], {
      databaseUrl: dbs[0]!.url,
      cwd: dir,
      env: { SIFREG_PROTOCOL: 'broken.json' },
    });
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/^sifreg export: protocol file .*broken\.json is not valid JSON/);
  });
});
