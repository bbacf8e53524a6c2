// End to end through the installed command: `node bin/sifreg.js` runs the compiled dist/ (built
// by `npm install`, `npm test` and `npm run test:e2e`) in a child process, as a person would.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VERBS } from '../../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/sifreg.js');

function sifreg(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the sifreg command, compiled', () => {
  test('--help lists every command and runs without TypeScript at run time', () => {
    const r = sifreg(['--help']);
    expect(r.code).toBe(0);
    for (const verb of VERBS) expect(r.stdout).toContain(`  ${verb.name} `);
    const bin = readFileSync(BIN, 'utf8');
    expect(bin).toContain('../dist/cli/main.js');
    expect(bin).not.toMatch(/tsx|\.ts'/);
  });

  test('a verb’s help, an unknown command and a bad option are each one line with the right exit', () => {
    const help = sifreg(['report', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sifreg report /);
    const unknown = sifreg(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('sifreg: unknown command "frobnicate" (run "sifreg --help" for the list)\n');
    const bad = sifreg(['demo', '--subjects', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a checkout that was never built says how to build it, in one line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-unbuilt-'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(BIN, path.join(dir, 'bin', 'sifreg.js'));
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'sifreg.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('sifreg: not built yet (dist/ is missing): run "npm install" or "npm run build"\n');
  });

  describe('on a database', () => {
    let db: TestDatabase;
    let dir: string;
    beforeAll(async () => {
      db = await createTestDatabase();
      dir = await mkdtemp(path.join(tmpdir(), 'sifreg-e2e-'));
    });
    afterAll(async () => {
      await db?.destroy();
    });

    test('a statistician loads the demo, verifies the audit trail and writes the report', () => {
      const env = { DATABASE_URL: db.url };
      const demo = sifreg(['demo', '--subjects', '24', '--seed', '3'], env, dir);
      expect(demo.stderr).toBe('');
      expect(demo.stdout).toMatch(/^demo cohort loaded: 24 subjects/);
      expect(demo.code).toBe(0);

      const audit = sifreg(['audit', 'verify'], env, dir);
      expect(audit.stdout).toMatch(/^audit OK/);
      expect(audit.code).toBe(0);

      const report = sifreg(['report', '--format', 'json', '--out', 'r.json'], env, dir);
      expect(report.code).toBe(0);
      const json = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
      expect(json.meta.n_subjects).toBe(24);
      expect(json.outcomes.pain.by_visit.length).toBeGreaterThan(0);
    });

    test('an export piped into a reader that stops early ends quietly, without a stack trace', async () => {
      const { DATABASE_URL: _ignored, ...inherited } = process.env;
      const child = spawn(process.execPath, [BIN, 'export', '--format', 'tidy'], {
        cwd: dir,
        env: { ...inherited, DATABASE_URL: db.url },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      // Like `| head -1`: read the first chunk, then close the pipe.
      const [first] = (await once(child.stdout, 'data')) as [Buffer];
      expect(first.toString()).toMatch(/^study_id,site,visit,instrument,instance,item,value\n/);
      child.stdout.destroy();
      const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
      expect(stderr).not.toMatch(/Unhandled|EPIPE|\n\s+at /);
      expect(code === 0 || code === 143 || signal === 'SIGTERM').toBe(true);
    });
  });
});
