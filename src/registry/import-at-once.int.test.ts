// Imports at once and interrupted: two in one process, two `sifreg import` processes, and kill -9 in
// the middle, never a duplicate key, an internal error or a partial registry.
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { runSifregBin, SIFREG_BIN } from '../../test/helpers/bin.js';
import { createTestRegistry, exportText, registryCounts } from '../../test/helpers/registry.js';
import { verifyAudit } from '../store/index.js';
import { demoCohortCsv, importTidy, loadDemo, SYSTEM_ACTOR } from './index.js';

describe('two imports at once', () => {
  test('serialise: both write when their subjects differ, even at the same new site', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 30, seed: 5 });
      const lines = (await exportText(source)).trimEnd().split('\n');
      const ids = [...new Set(lines.slice(1).map((l) => l.split(',')[0]!))];
      const half = new Set(ids.filter((_, i) => i % 2 === 0));
      const a = [lines[0], ...lines.slice(1).filter((l) => half.has(l.split(',')[0]!))].join('\n');
      const b = [lines[0], ...lines.slice(1).filter((l) => !half.has(l.split(',')[0]!))].join('\n');
      const results = await Promise.all([
        importTidy(r.deps, SYSTEM_ACTOR, a),
        importTidy(r.deps, SYSTEM_ACTOR, b),
      ]);
      expect(results.map((s) => s.subjects).reduce((x, y) => x + y)).toBe(ids.length);
      expect((await registryCounts(r)).subjects).toBe(ids.length);
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });

  test('the same file twice: one writes, the other is refused cleanly, never a duplicate key', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 20, seed: 6 });
      const text = await exportText(source);
      const settled = await Promise.allSettled([
        importTidy(r.deps, SYSTEM_ACTOR, text),
        importTidy(r.deps, SYSTEM_ACTOR, text),
      ]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.code).toBe('IMPORT_FAILED');
      expect(failed.reason.issues[0].message).toMatch(/is already enrolled|is already recorded/);
      expect(JSON.stringify(failed.reason.issues)).not.toMatch(/duplicate key/);
      expect((await registryCounts(r)).subjects).toBe(20);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });
});

describe('two sifreg import processes at once', () => {
  test('one imports, the other waits and is refused with clear lines, never an internal error', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 200, seed: 8 });
      const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-twice-'));
      const file = path.join(dir, 'cohort.csv');
      await writeFile(file, await exportText(source));
      const run = () => runSifregBin(['import', file], { env: { DATABASE_URL: r.url } });
      const results = await Promise.all([run(), run()]);
      expect(results.map((x) => x.code).sort()).toEqual([0, 1]);
      const loser = results.find((x) => x.code === 1)!;
      expect(loser.stderr).toMatch(/is already enrolled/);
      expect(loser.stderr).toMatch(/sifreg import: import refused, nothing was written: \d+ problems/);
      expect(loser.stderr).not.toMatch(/internal error|duplicate key/);
      expect((await registryCounts(r)).subjects).toBe(200);
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });
});

describe('kill -9 during an import', () => {
  test('leaves nothing partial: after the crash the registry is as before the import', async () => {
    const r = await createTestRegistry();
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-kill-'));
      const file = path.join(dir, 'big.csv');
      await writeFile(file, demoCohortCsv(3000, 3, '2026-03-02'));
      const child = spawn(process.execPath, [SIFREG_BIN, 'import', file], {
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
      expect(await registryCounts(r)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await r.destroy();
    }
  });
});
