// `audit verify`, `backup` and `restore` as users run them: the real bin/sifreg.js (compiled dist/,
// `npm run build` first) on embedded data directories, with a database administrator tampering
// through the owner's connection in between.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSifregBin } from '../../test/helpers/bin.js';
import { createTestDatabase } from '../../test/helpers/database.js';
import { createKysely } from '../store/pg-connection.js';
import { appRoleUrl } from '../store/roles.js';
import type { Database } from '../store/schema.js';
import { type DatabaseHandle, openDatabase } from '../store/supervisor/database.js';

let root: string;
let handle: DatabaseHandle;
let owner: Kysely<Database>;

const sifreg = (args: string[], env: Record<string, string> = {}) => runSifregBin(args, { cwd: root, env });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sifreg-audit-'));
  expect((await sifreg(['demo', '--subjects', '3', '--data-dir', 'reg'])).code).toBe(0);
  // The administrator's seat: the owner's connection to the same embedded server.
  handle = await openDatabase({ dataDir: join(root, 'reg') });
  owner = createKysely(handle.url, { max: 2 });
}, 120_000);
afterAll(async () => {
  await owner?.destroy();
  await handle?.close();
  await rm(root, { recursive: true, force: true });
});

const HEAD = /head (\d+:[0-9a-f]{64})/;

describe('audit verify, backup and restore through bin/sifreg', () => {
  let head = '';
  let backupHead = '';

  test('the registry runs as an application role that cannot touch the chain', async () => {
    const { rows } = await sql<{ me: string }>`select current_user as me`.execute(handle.db);
    expect(rows[0]!.me).toBe('sifreg_app');
    await expect(sql`alter table audit_event disable trigger user`.execute(handle.db)).rejects.toThrow(
      /must be owner/,
    );
  });

  test('audit verify prints the full head and keeps it in DIR/audit-head', async () => {
    const ok = await sifreg(['audit', 'verify', '--data-dir', 'reg']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit OK: \d+ events, \d+ rows match, head \d+:[0-9a-f]{64}\n$/);
    head = HEAD.exec(ok.stdout)![1]!;
    const checkpoint = await readFile(join(root, 'reg', 'audit-head'), 'utf8');
    expect(checkpoint.split(' ')[0]).toBe(head);
    expect((await stat(join(root, 'reg', 'audit-head'))).mode & 0o777).toBe(0o600);
  });

  test('a backup is authenticated, audited and carries the head; restore elsewhere needs the key', async () => {
    const made = await sifreg(['backup', 'reg.bak', '--data-dir', 'reg']);
    expect(made.code).toBe(0);
    backupHead = HEAD.exec(made.stdout)![1]!;
    expect(backupHead).toBe(head);
    expect((await stat(join(root, 'reg', 'backup-key'))).mode & 0o777).toBe(0o600);
    const events = await owner
      .selectFrom('audit_event')
      .select('action')
      .where('action', '=', 'registry.backup')
      .execute();
    expect(events).toHaveLength(1);

    const noKey = await sifreg(['restore', 'reg.bak', '--data-dir', 'copy']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(
      /^sifreg restore: this registry has no backup key \(.*backup-key\): pass the key/,
    );
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);

    // A forger without the key: one identity edited, the checksum recomputed.
    const lines = gunzipSync(await readFile(join(root, 'reg.bak')))
      .toString('utf8')
      .split('\n')
      .slice(0, -1);
    const edited = lines.map((l) => l.replace('"complete"', '"signed"'));
    const body = edited
      .slice(0, -1)
      .map((l) => `${l}\n`)
      .join('');
    const trailer = JSON.parse(edited.at(-1)!);
    trailer.sha256 = createHash('sha256').update(body).digest('hex');
    await writeFile(join(root, 'forged.bak'), gzipSync(`${body}${JSON.stringify(trailer)}\n`));
    const forged = await sifreg([
      'restore',
      'forged.bak',
      '--data-dir',
      'copy',
      '--key-file',
      'reg/backup-key',
    ]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(
      /^sifreg restore: \S*forged\.bak is not a usable backup: its authentication code does not match the backup key: the file was forged or edited after it was written\n$/,
    );

    const restored = await sifreg([
      'restore',
      'reg.bak',
      '--data-dir',
      'copy',
      '--key-file',
      'reg/backup-key',
    ]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const verified = await sifreg(['audit', 'verify', '--data-dir', 'copy', '--expect-head', backupHead]);
    expect(verified.code).toBe(0);
  }, 120_000);

  test('names a response changed by the administrator, and passes again once it is put back', async () => {
    const row = await owner
      .selectFrom('response')
      .select(['id', 'status'])
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`update response set status = 'signed' where id = ${row.id}`.execute(owner);
    const broken = await sifreg(['audit', 'verify', '--data-dir', 'reg']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toBe(
      `audit: response ${row.id}: changed outside the registry\naudit BROKEN: 1 rows differ from what the audit trail records\n`,
    );
    await sql`update response set status = ${row.status} where id = ${row.id}`.execute(owner);
    const again = await sifreg(['audit', 'verify', '--data-dir', 'reg']);
    expect(again.code).toBe(0);
    head = HEAD.exec(again.stdout)![1]!;
  }, 60_000);

  test('a chain cut short by the administrator fails against the checkpoint and against --expect-head', async () => {
    await owner.connection().execute(async (c) => {
      await sql`alter table audit_event disable trigger user`.execute(c);
      await sql`delete from audit_event where id = (select max(id) from audit_event)`.execute(c);
      await sql`alter table audit_event enable trigger user`.execute(c);
    });
    const checkpointed = await sifreg(['audit', 'verify', '--data-dir', 'reg']);
    expect(checkpointed.code).toBe(1);
    expect(checkpointed.stderr.split('\n')[0]).toMatch(
      /^audit BROKEN: the chain has \d+ events, but the head \d+:[0-9a-f]{64} \(from .*audit-head\) is not in it: events were removed$/,
    );
    const expected = await sifreg([
      'audit',
      'verify',
      '--data-dir',
      'reg',
      '--expect-head',
      head,
      '--checkpoint',
      'none',
    ]);
    expect(expected.code).toBe(1);
    expect(expected.stderr.split('\n')[0]).toMatch(
      /\(from --expect-head\) is not in it: events were removed$/,
    );
    const bad = await sifreg(['audit', 'verify', '--data-dir', 'reg', '--expect-head', '12:abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sifreg audit: --expect-head must be COUNT:HASH/);
  }, 60_000);

  test('DATABASE_OWNER_URL migrates as the owner while DATABASE_URL, the application role, does the work', async () => {
    const made = await createTestDatabase(); // makes sure the application role exists on the test server
    const target = await createTestDatabase({ migrate: false });
    try {
      const env = { DATABASE_URL: appRoleUrl(target.url)!, DATABASE_OWNER_URL: target.url };
      const demo = await sifreg(['demo', '--subjects', '2'], env);
      expect(demo.stderr).toBe('');
      expect(demo.code).toBe(0);
      const ok = await sifreg(['audit', 'verify'], env);
      expect(ok.code).toBe(0);
      const owners = await sql<{ owner: string }>`
        select distinct tableowner as owner from pg_tables where schemaname = current_schema()`.execute(
        target.db,
      );
      expect(owners.rows).toEqual([{ owner: new URL(target.url).username }]);
      // Without the owner's URL the application role cannot migrate a new database: one clear line.
      const other = await createTestDatabase({ migrate: false });
      try {
        const refused = await sifreg(['audit', 'verify'], { DATABASE_URL: appRoleUrl(other.url)! });
        expect(refused.code).toBe(1);
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await other.destroy();
      }
    } finally {
      await target.destroy();
      await made.destroy();
    }
  }, 120_000);
});
