import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sifreg } from '../../../test/helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';

const HEADER = 'study_id,site,visit,instrument,instance,item,value';

describe('sifreg import', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (argv: string[]) => sifreg(argv, { databaseUrl: db.url, cwd: dir });

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-import-'));
    await mkdir(path.join(dir, 'folder'));
  });
  afterAll(() => db.destroy());

  test.each([
    ['nope.csv', 'no such file'],
    ['folder', 'it is a directory, not a file'],
    ['nope/inside.csv', 'no such file'],
  ])('"cannot read %s" says why: %s', async (file, reason) => {
    const r = await run(['import', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sifreg import: cannot read ${file}: ${reason}\n`);
  });

  // Skipped as root only: root reads a file of mode 000 anyway, so there is no refusal to see.
  test.skipIf(process.getuid?.() === 0)('an unreadable file says permission denied', async () => {
    const file = path.join(dir, 'locked.csv');
    await writeFile(file, `${HEADER}\n`);
    await chmod(file, 0o000);
    expect((await run(['import', 'locked.csv'])).stderr).toBe(
      'sifreg import: cannot read locked.csv: permission denied\n',
    );
  });

  test('an unknown --encoding is a usage error', async () => {
    const r = await run(['import', 'x.csv', '--encoding', 'utf16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--encoding must be one of utf8, latin1 (got "utf16")');
  });

  test('an empty file, a header error and a Latin-1 file each print one clear line', async () => {
    await writeFile(path.join(dir, 'empty.csv'), '');
    expect((await run(['import', 'empty.csv'])).stderr).toBe(
      `sifreg import: the file is empty: a tidy CSV starts with the header ${HEADER}\n`,
    );
    await writeFile(path.join(dir, 'header.csv'), 'id,\u001b[31msite\n');
    expect((await run(['import', 'header.csv'])).stderr).toBe(
      `sifreg import: line 1: the header must be exactly ${HEADER} (got "id,\\u001b[31msite")\n`,
    );
    await writeFile(
      path.join(dir, 'latin1.csv'),
      Buffer.from(`${HEADER}\nVCU-0001,VCU,procedure,procedure,1,operator,Dr M\u00fcller\n`, 'latin1'),
    );
    const r = await run(['import', 'latin1.csv', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'line 2, row: character 49 is not valid UTF-8 (byte 0xFC); save the file as UTF-8, or pass --encoding latin1 if it is Latin-1\n' +
        'sifreg import: import refused, nothing was written: 1 problem\n',
    );
    // Read as Latin-1 it gets as far as the subject check.
    const latin = await run(['import', 'latin1.csv', '--dry-run', '--encoding', 'latin1']);
    expect(latin.stderr).toContain('line 2, study_id: VCU-0001 is not in the registry');
    expect(latin.stderr).not.toContain('UTF-8');
  });
});
