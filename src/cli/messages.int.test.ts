import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../test/helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';

describe('user add, site add and demo say what is wrong once, in the command’s own words', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (argv: string[], stdin?: string) =>
    sifreg(argv, { databaseUrl: db.url, cwd: dir, ...(stdin === undefined ? {} : { stdin }) });
  const addUser = (password: string, ...extra: string[]) =>
    run(
      ['user', 'add', '--username', 'cora.vcu', '--role', 'monitor', '--password-stdin', ...extra],
      `${password}\n`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-messages-'));
  });
  afterAll(() => db.destroy());

  test('--subjects -5 is "must be a positive whole number", never "ambiguous"', async () => {
    const r = await run(['demo', '--subjects', '-5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'sifreg demo: --subjects must be a positive whole number (got "-5") (see "sifreg demo --help")\n',
    );
  });

  test.each([
    ['aaaaaaaaaaaa', 'is too repetitive (a few characters repeated); use a longer phrase of unrelated words'],
    ['password1234', 'is on the list of common or breached passwords'],
    ['            ', 'must not be only spaces'],
  ])(
    'user add refuses the weak password %j on one line, naming where it came from',
    async (password, why) => {
      const r = await addUser(password);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`sifreg user: password ${why} (standard input)\n`);
      expect(await db.db.selectFrom('app_user').select('id').execute()).toEqual([]);
    },
  );

  test('a site problem names --site, not the internal field siteId, and is printed once', async () => {
    const r = await addUser('seven blue kettles sing', '--site', 'VCU');
    expect(r.stderr).toBe('sifreg user: a monitor works across sites and has no site (--site)\n');
    const site = await run(['site', 'add', '--code', 'vcu', '--name', 'VCU']);
    expect(site.code).toBe(1);
    expect(site.stderr).toBe(
      'sifreg site: site code must be 2–12 capital letters or digits, starting with a letter (--code)\n',
    );
  });

  test('control characters in an echoed value are escaped', async () => {
    const r = await run(['site', 'add', '--code', 'VCU', '--name', 'x', 'extra\u001b[2J']);
    expect(r.stderr).toBe('sifreg site: unexpected argument "extra\\x1b[2J" (see "sifreg site --help")\n');
  });

  test('a NUL byte in a value is refused at validation, naming the option, not by the database', async () => {
    const r = await run(['site', 'add', '--code', 'NUL', '--name', 'Bad\u0000Site']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'sifreg site: name contains a NUL character (\\u0000), which cannot be stored (--name)\n',
    );
  });

  test('an unknown command with control characters is echoed escaped', async () => {
    const r = await run(['\u001b]0;owned\u0007']);
    expect(r.stderr).toBe(
      'sifreg: unknown command "\\x1b]0;owned\\x07" (run "sifreg --help" for the list)\n',
    );
  });

  test('import problems echo a file’s control characters escaped', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      path.join(dir, 'control.csv'),
      'study_id,site,visit,instrument,instance,item,value\n"VCU-\u001b[2J1",VCU,baseline,enrollment,1,site,VCU\n',
    );
    const r = await run(['import', 'control.csv', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 2, study_id: "VCU-');
    expect(r.stderr).not.toContain('\u001b');
  });

  test('a good password is accepted', async () => {
    const r = await addUser('seven blue kettles sing');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
