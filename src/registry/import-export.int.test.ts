import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { verifyAudit } from '../store/index.js';
import { demoCohortCsv, exportTidy, importTidy, loadDemo, SYSTEM_ACTOR } from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

async function exportText(r: Registry, actor = SYSTEM_ACTOR): Promise<string> {
  let text = '';
  await exportTidy(r.deps, actor, (chunk) => {
    text += chunk;
  });
  return text;
}

async function counts(r: Registry) {
  const one = async (table: 'subject' | 'response' | 'audit_event' | 'site') =>
    Number(
      (
        await r.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    subjects: await one('subject'),
    responses: await one('response'),
    audit: await one('audit_event'),
    sites: await one('site'),
  };
}

describe('tidy CSV export and import', () => {
  let source: Registry;
  let exported: string;
  beforeAll(async () => {
    source = await createTestRegistry();
    await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 40, seed: 7 });
    exported = await exportText(source);
  });
  afterAll(() => source.destroy());

  test('the demo cohort exports with the contract header, one row per answered item', () => {
    const lines = exported.trimEnd().split('\n');
    expect(lines[0]).toBe('study_id,site,visit,instrument,instance,item,value');
    expect(lines.length).toBeGreaterThan(40 * 50);
    expect(lines.some((l) => l.startsWith('VCU-0001,VCU,baseline,enrollment,1,study_id,VCU-0001'))).toBe(
      true,
    );
  });

  test('export, import into an empty registry, export again gives the same file', async () => {
    const target = await createTestRegistry();
    try {
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, exported);
      expect(summary.subjects).toBe(40);
      expect(await exportText(target)).toBe(exported);
      const statuses = async (r: Registry) =>
        await r.deps.db
          .selectFrom('subject')
          .select(['study_id', 'status', 'index_date', 'enrolled_on'])
          .orderBy('study_id')
          .execute();
      expect(await statuses(target)).toEqual(await statuses(source));
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await target.destroy();
    }
  });

  test('a dry run checks everything and writes nothing', async () => {
    const target = await createTestRegistry();
    try {
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, exported, { dryRun: true });
      expect(summary).toMatchObject({ subjects: 40, dryRun: true });
      expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });

  test('one bad row refuses the whole file, naming line, column and problem', async () => {
    const lines = exported.split('\n');
    const painLine = lines.findIndex((l) => /,week2,pain,1,score,/.test(l) && l.startsWith('VCU-'));
    lines[painLine] = lines[painLine]!.replace(/,score,\d+$/, ',score,12');
    lines.splice(5, 0, 'VCU-0001,VCU,week2,pain,1,mood,happy');
    lines.splice(6, 0, 'VCU-0001,VCU,week9,pain,1,score,3');
    lines.splice(7, 0, 'VCU-0001,APMSS,week2,pain,1,score,3');
    const target = await createTestRegistry();
    try {
      const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, lines.join('\n')));
      expect(error.code).toBe('IMPORT_FAILED');
      const messages = error.issues.map((i) => i.message);
      expect(messages).toContainEqual(expect.stringMatching(/^line 6, item: pain has no item "mood"/));
      expect(messages).toContainEqual(
        expect.stringMatching(/^line 7, visit: visit week9 is not in protocol/),
      );
      expect(messages).toContainEqual(
        expect.stringMatching(/^line 8, study_id: VCU-0001 does not belong to site APMSS/),
      );
      expect(messages).toContainEqual(
        expect.stringMatching(new RegExp(`^line ${painLine + 4}, value: .*12`)),
      );
      expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });

  test('a wrong header, a subject without enrollment and a second import of the same subjects are refused', async () => {
    expect((await rejects(importTidy(source.deps, SYSTEM_ACTOR, 'id,site\nA,B\n'))).message).toContain(
      'line 1: the header must be exactly',
    );
    const orphan =
      'study_id,site,visit,instrument,instance,item,value\nVCU-0999,VCU,week2,pain,1,scale,nrs\nVCU-0999,VCU,week2,pain,1,score,3\n';
    const error = await rejects(importTidy(source.deps, SYSTEM_ACTOR, orphan));
    expect(error.issues[0]?.message).toMatch(
      /line 2, study_id: VCU-0999 is not in the registry and the file has no enrollment form/,
    );
    const again = await rejects(importTidy(source.deps, SYSTEM_ACTOR, exported));
    expect(again.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(/^line \d+, study_id: APMSS-0001 is already enrolled/),
    );
    expect(again.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(/is already recorded for/),
    );
  });

  test('a site coordinator exports only their own site', async () => {
    const text = await exportText(source, VCU_COORDINATOR);
    const sites = new Set(
      text
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]),
    );
    expect([...sites]).toEqual(['VCU']);
  });

  test('demo refuses a registry that already has subjects', async () => {
    expect((await rejects(loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 5, seed: 1 }))).code).toBe(
      'REGISTRY_NOT_EMPTY',
    );
  });
});

describe('kill -9 during an import', () => {
  test('leaves nothing partial: after the crash the registry is as before the import', async () => {
    const r = await createTestRegistry();
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-kill-'));
      const file = path.join(dir, 'big.csv');
      await writeFile(file, demoCohortCsv(3000, 3, '2026-03-02'));
      const bin = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
      const child = spawn(process.execPath, [bin, 'import', file], {
        env: { ...process.env, DATABASE_URL: r.url },
        stdio: 'ignore',
      });
      // Wait until the import's transaction has written (it holds a transaction id), then kill it outright.
      let writing = false;
      for (let i = 0; i < 600 && !writing; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const active = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null`.execute(
          r.deps.db,
        );
        writing = (active.rows[0]?.n ?? 0) > 0;
      }
      expect(writing).toBe(true);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // The server ends the dead client's backend and rolls its transaction back.
      for (let i = 0; i < 100; i++) {
        const left = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`.execute(
          r.deps.db,
        );
        if ((left.rows[0]?.n ?? 0) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await counts(r)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await r.destroy();
    }
  });
});
