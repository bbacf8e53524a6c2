import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { VERBS } from './main.js';

describe('the sifreg command line', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let dir: string;
  const run = (argv: string[], db: TestDatabase, stdin?: string) =>
    sifreg(argv, { databaseUrl: db.url, cwd: dir, ...(stdin === undefined ? {} : { stdin }) });

  beforeAll(async () => {
    a = await createTestDatabase();
    b = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-cli-'));
  });
  afterAll(async () => {
    await a.destroy();
    await b.destroy();
  });

  test.each(VERBS.map((v) => v.name))('"%s --help" prints its usage and exits 0', async (name) => {
    const r = await run([name, '--help'], a);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: sifreg /);
  });

  test('an unknown command or option is one clear line and a non-zero exit', async () => {
    const unknown = await run(['frobnicate'], a);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('sifreg: unknown command "frobnicate" (run "sifreg --help" for the list)\n');
    const option = await run(['demo', '--subjcts', '5'], a);
    expect(option.code).toBe(2);
    expect(option.stderr.trim().split('\n')).toHaveLength(1);
    expect(option.stderr).toContain('unknown option "--subjcts"');
    const bad = await run(['demo', '--subjects', 'many'], a);
    expect(bad.stderr).toBe(
      'sifreg demo: --subjects must be a positive whole number (got "many") (see "sifreg demo --help")\n',
    );
  });

  test('demo loads a cohort once, then refuses', async () => {
    const r = await run(['demo', '--subjects', '30', '--seed', '4'], a);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^demo cohort loaded: 30 subjects/);
    const again = await run(['demo'], a);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'sifreg demo: the registry already has subjects; demo data goes only into an empty registry\n',
    );
  });

  test('user add reads the password from standard input and names a bad field', async () => {
    const ok = await run(
      ['user', 'add', '--username', 'cora.vcu', '--role', 'coordinator', '--site', 'VCU', '--password-stdin'],
      a,
      'a long enough secret for cora\n',
    );
    expect(ok.code).toBe(0);
    const short = await run(
      [
        'user',
        'add',
        '--username',
        'ivan.vcu',
        '--role',
        'investigator',
        '--site',
        'VCU',
        '--password-stdin',
      ],
      a,
      'short\n',
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toBe('sifreg user: password must have at least 12 characters (standard input)\n');
    expect(short.stderr).not.toContain('short\n');
  });

  test('export, dry run, import into an empty registry and export again give the same file', async () => {
    expect((await run(['export', '--format', 'tidy', '--out', 'a.csv'], a)).code).toBe(0);
    const dry = await run(['import', 'a.csv', '--dry-run'], b);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run OK: .* 30 new subjects.*nothing written/);
    expect((await run(['import', 'a.csv'], b)).code).toBe(0);
    expect((await run(['export', '--out', 'b.csv'], b)).code).toBe(0);
    expect(readFileSync(path.join(dir, 'b.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'a.csv'), 'utf8'));
    expect((await run(['export', '--format', 'xml'], b)).stderr).toContain('--format must be one of tidy');
  });

  test('a bad import prints every problem with line and column and writes nothing', async () => {
    const c = await createTestDatabase();
    try {
      await writeFile(
        path.join(dir, 'bad.csv'),
        'study_id,site,visit,instrument,instance,item,value\nVCU-0001,VCU,baseline,enrollment,1,study_id,VCU-0001\nVCU-0001,VCU,baseline,enrollment,1,site,VCU\nVCU-0001,VCU,baseline,enrollment,1,consent_date,2026-13-01\n',
      );
      const r = await run(['import', 'bad.csv'], c);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('line 4, value: ');
      expect(r.stderr).toContain('consent_date');
      expect(r.stderr).toMatch(/sifreg import: import refused, nothing was written: \d+ problem/);
      const n = await c.db
        .selectFrom('subject')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(0);
      expect((await run(['import', 'missing.csv'], c)).stderr).toBe(
        'sifreg import: cannot read missing.csv: no such file\n',
      );
    } finally {
      await c.destroy();
    }
  });

  test('audit verify reports OK, and names the event changed behind the registry’s back', async () => {
    const ok = await run(['audit', 'verify'], a);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit OK: \d+ events/);
    const c = await createTestDatabase();
    try {
      await run(['demo', '--subjects', '3'], c);
      await sql`alter table audit_event disable trigger user`.execute(c.db);
      await sql`update audit_event set actor = 'mallory' where id = 2`.execute(c.db);
      await sql`alter table audit_event enable trigger user`.execute(c.db);
      const broken = await run(['audit', 'verify'], c);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/^audit BROKEN at event 2: /);
    } finally {
      await c.destroy();
    }
  });

  test('backup and restore carry the whole registry, and restore refuses a non-empty registry', async () => {
    const c = await createTestDatabase();
    try {
      expect((await run(['backup', 'reg.bak'], a)).code).toBe(0);
      expect(existsSync(path.join(dir, 'reg.bak'))).toBe(true);
      const restored = await run(['restore', 'reg.bak'], c);
      expect(restored.code).toBe(0);
      expect((await run(['audit', 'verify'], c)).code).toBe(0);
      expect((await run(['export', '--out', 'c.csv'], c)).code).toBe(0);
      expect(readFileSync(path.join(dir, 'c.csv'), 'utf8')).toBe(
        readFileSync(path.join(dir, 'a.csv'), 'utf8'),
      );
      const refused = await run(['restore', 'reg.bak'], b);
      expect(refused.code).toBe(1);
      expect(refused.stderr.split('\n')[0]).toMatch(/^sifreg restore: /);
    } finally {
      await c.destroy();
    }
  });

  test('report writes the JSON contract to standard output and a self-contained HTML file', async () => {
    const json = await run(['report', '--format', 'json'], a);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      meta: { n_subjects: number };
      outcomes: Record<string, unknown>;
    };
    expect(report.meta.n_subjects).toBe(30);
    expect(Object.keys(report.outcomes)).toEqual(['pain', 'odi', 'mme']);
    const html = await run(['report', '--out', 'study.html'], a);
    expect(html.code).toBe(0);
    const text = readFileSync(path.join(dir, 'study.html'), 'utf8');
    expect(text).toContain('<svg');
    expect(text).not.toMatch(/<script|src="http/);
    expect((await run(['report', '--format', 'docx'], a)).stderr).toContain(
      '--format must be one of html, json, pdf',
    );
    const events = await a.db
      .selectFrom('audit_event')
      .select('entity_id')
      .where('action', '=', 'report.generate')
      .execute();
    expect(events.map((e) => e.entity_id).sort()).toEqual(['html', 'json']);
  });
});
