import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../../test/helpers/database.js';
import { openDatabase } from './database.js';
import { freePort } from './process-util.js';

let root: string;
beforeAll(async () => {
  // Private, as `mktemp -d` or a home directory is: nothing here is opened up for another OS user.
  root = await mkdtemp(join(tmpdir(), 'sifreg-db-'));
  await chmod(root, 0o700);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('embedded database', () => {
  test('starts inside a 0700 directory, as root too, and keeps the data directory private and its files owned by the user', async () => {
    const dataDir = join(root, 'private');
    const handle = await openDatabase({ dataDir });
    try {
      expect(handle.owner).toBe(true);
      await handle.db.insertInto('site').values({ id: 'VCU', name: 'Virginia' }).execute();
      expect((await stat(root)).mode & 0o777).toBe(0o700);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      const uid = process.getuid?.() ?? 0;
      for (const path of [
        dataDir,
        join(dataDir, 'pg'),
        join(dataDir, 'pg', 'PG_VERSION'),
        join(dataDir, 'pg', 'base'),
      ]) {
        expect((await stat(path)).uid).toBe(uid);
      }
      // The server itself never runs with root's powers: no capabilities in the initial namespace.
      const serverPid = (await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0];
      const status = await readFile(`/proc/${serverPid}/status`, 'utf8');
      expect(status).toMatch(/^CapEff:\s+0+$/m);
    } finally {
      await handle.close();
    }
    expect(await exists(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  test('first open creates the cluster, listens on a free loopback port, and close stops it', async () => {
    const dataDir = join(root, 'fresh');
    const lines: string[] = [];
    const handle = await openDatabase({ dataDir, log: (l) => lines.push(l) });
    try {
      expect(handle).toMatchObject({ embedded: true, owner: true });
      const url = new URL(handle.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.port).not.toBe('5432');
      expect(handle.safeUrl).not.toContain(decodeURIComponent(url.password));
      expect(lines.join('\n')).not.toContain(decodeURIComponent(url.password));

      const lock = JSON.parse(await readFile(join(dataDir, 'sifreg.lock'), 'utf8'));
      expect(lock).toMatchObject({ pid: process.pid, port: Number(url.port), state: 'ready' });
      expect(Number.isNaN(Date.parse(lock.started_at))).toBe(false);
      expect((await stat(join(dataDir, 'db-password'))).mode & 0o777).toBe(0o600);

      const settings = await sql<{ name: string; setting: string }>`
        select name, setting from pg_settings
        where name in ('listen_addresses', 'fsync', 'synchronous_commit', 'server_encoding', 'unix_socket_directories')
        order by name`.execute(handle.db);
      expect(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))).toEqual({
        fsync: 'on',
        listen_addresses: '127.0.0.1',
        server_encoding: 'UTF8',
        synchronous_commit: 'on',
        unix_socket_directories: '',
      });
      const collation = await sql<{ datcollate: string }>`
        select datcollate from pg_database where datname = current_database()`.execute(handle.db);
      expect(collation.rows).toEqual([{ datcollate: 'C' }]);
      await handle.db.insertInto('site').values({ id: 'VCU', name: 'Virginia' }).execute();
    } finally {
      await handle.close();
    }
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
    expect(await exists(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const again = await openDatabase({ dataDir });
    try {
      expect(await again.db.selectFrom('site').select('id').execute()).toEqual([{ id: 'VCU' }]);
    } finally {
      await again.close();
    }
  });

  test('a second handle in the same process uses the running server and its close leaves it running', async () => {
    const dataDir = join(root, 'shared');
    const owner = await openDatabase({ dataDir });
    try {
      const second = await openDatabase({ dataDir });
      expect(second).toMatchObject({ embedded: true, owner: false, url: owner.url });
      await second.db.insertInto('site').values({ id: 'APMSS', name: 'Atlantic' }).execute();
      await second.close();
      expect(await owner.db.selectFrom('site').select('id').execute()).toEqual([{ id: 'APMSS' }]);
    } finally {
      await owner.close();
    }
  });

  test('an unreadable lock file is stale: the next open takes over', async () => {
    const dataDir = join(root, 'garbled');
    await openDatabase({ dataDir }).then((h) => h.close());
    await writeFile(join(dataDir, 'sifreg.lock'), '{"pid": 12');
    const lines: string[] = [];
    const handle = await openDatabase({ dataDir, log: (l) => lines.push(l) });
    expect(handle.owner).toBe(true);
    expect(lines.join('\n')).toMatch(/unreadable lock/);
    await handle.close();
  });

  test('stops with DATA_DIR_IN_USE when the server is alive but does not answer, and starts no second one', async () => {
    const dataDir = join(root, 'busy');
    const user = await openDatabase({ dataDir });
    const pidFile = join(dataDir, 'pg', 'postmaster.pid');
    const serverPid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    process.kill(serverPid, 'SIGSTOP'); // alive, holding its port, answering nothing
    try {
      const error = await openDatabase({ dataDir, waitMs: 1_000 }).catch((e: unknown) => e);
      if (!(error instanceof Error)) await (error as { close(): Promise<void> }).close();
      expect(error).toMatchObject({ code: 'DATA_DIR_IN_USE' });
      expect((error as Error).message).toContain(
        `data directory ${dataDir} is in use by process ${process.pid}`,
      );
      expect(Number((await readFile(pidFile, 'utf8')).split('\n')[0])).toBe(serverPid);
      const lock = JSON.parse(await readFile(join(dataDir, 'sifreg.lock'), 'utf8'));
      expect(lock.clients).toHaveLength(1); // the refused open left no client behind
    } finally {
      process.kill(serverPid, 'SIGCONT');
      await user.close();
    }
  });
});

describe('external database (DATABASE_URL)', () => {
  test('connects, migrates, and close only ends the pool', async () => {
    const target = await createTestDatabase({ migrate: false });
    try {
      const handle = await openDatabase({ databaseUrl: target.url });
      expect(handle).toMatchObject({ embedded: false, owner: false, url: target.url });
      expect(await handle.db.selectFrom('site').selectAll().execute()).toEqual([]);
      await handle.close();
      expect(await sql`select 1 as one`.execute(target.db)).toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await target.destroy();
    }
  });

  test('an unreachable server is DATABASE_UNAVAILABLE and the message hides the password', async () => {
    const port = await freePort();
    const error = await openDatabase({
      databaseUrl: `postgres://sifreg:hunter2secret@127.0.0.1:${port}/x`,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toContain(`postgres://sifreg:***@127.0.0.1:${port}/x`);
    expect((error as Error).message).not.toContain('hunter2secret');
  });

  test('a URL that is not postgres:// is refused', async () => {
    await expect(openDatabase({ databaseUrl: 'mysql://u:p@h/d' })).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    });
  });
});
