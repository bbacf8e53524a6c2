// The `sifreg` command as users run it: the real bin/sifreg.js (compiled dist/, `npm run build`
// first) in child processes, several at once on one data directory, with signals and a killed
// PostgreSQL. Every server here listens on 127.0.0.1 and is stopped by the test that started it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { openDatabase } from '../store/supervisor/database.js';
import { freePort, processAlive, sleep } from '../store/supervisor/process-util.js';

const BIN = fileURLToPath(new URL('../../bin/sifreg.js', import.meta.url));

let root: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sifreg-cli-')); // 0700, as a home directory
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function sifreg(args: string[], env: Record<string, string> = {}): Running {
  const baseEnv = { ...process.env };
  delete baseEnv.DATABASE_URL;
  delete baseEnv.PORT;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function done(args: string[], env: Record<string, string> = {}) {
  const r = sifreg(args, env);
  const { code } = await r.exited;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const lock = async (dataDir: string) =>
  JSON.parse(await readFile(join(dataDir, 'sifreg.lock'), 'utf8')) as {
    clients: { pid: number }[];
    state: string;
  };
const serverPid = async (dataDir: string) =>
  Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

/** No PostgreSQL left for this data directory and no lock. */
async function expectNothingLeft(dataDir: string) {
  expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
  expect(await exists(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
}

async function counts(dataDir: string) {
  const h = await openDatabase({ dataDir });
  try {
    return {
      sites: (await h.db.selectFrom('site').select('id').execute()).length,
      subjects: (await h.db.selectFrom('subject').select('study_id').execute()).length,
    };
  } finally {
    await h.close();
  }
}

async function serve(dataDir: string) {
  const port = await freePort();
  const s = sifreg(['serve', '--port', String(port), '--data-dir', dataDir]);
  await until('serve to listen', async () => s.stdout().includes('listening on'), 60_000);
  return { ...s, port, url: `http://127.0.0.1:${port}` };
}

describe('one data directory, many sifreg processes', () => {
  test('Ctrl-C on serve does not stop a demo still using the server; the last one out stops it', async () => {
    const dataDir = join(root, 'shared');
    const server = await serve(dataDir);
    const demo = sifreg(['demo', '--subjects', '400', '--data-dir', dataDir]);
    await until('demo to join the server', async () => (await lock(dataDir)).clients.length === 2);
    const pg = await serverPid(dataDir);

    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(130);
    expect(processAlive(pg)).toBe(true);

    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toMatch(/^demo cohort loaded: 400 subjects/);
    expect(demo.stderr()).not.toMatch(/terminating connection|internal error/);
    expect(processAlive(pg)).toBe(false);
    await expectNothingLeft(dataDir);
  }, 120_000);

  test('two demos at once: one loads, the other gets one clear line (never a duplicate key)', async () => {
    const dataDir = join(root, 'two-demos');
    const [a, b] = [
      sifreg(['demo', '--subjects', '50', '--data-dir', dataDir]),
      sifreg(['demo', '--subjects', '50', '--data-dir', dataDir]),
    ];
    const results = [await a.exited, await b.exited];
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const loser = results[0]!.code === 1 ? a : b;
    expect(loser.stderr()).toBe(
      'sifreg demo: the registry already has subjects; demo data goes only into an empty registry\n',
    );
    await expectNothingLeft(dataDir);
    expect(await counts(dataDir)).toEqual({ sites: 3, subjects: 50 });
  }, 120_000);

  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s during a demo: it exits cleanly, loads nothing, and leaves no PostgreSQL and no lock',
    async (signal) => {
      const dataDir = join(root, `signal-${signal}`);
      const demo = sifreg(['demo', '--subjects', '3000', '--data-dir', dataDir]);
      await until('the demo to start loading', async () => (await lock(dataDir)).state === 'ready');
      const pg = await serverPid(dataDir);
      await sleep(1_500);
      demo.child.kill(signal);
      expect((await demo.exited).code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(processAlive(pg)).toBe(false);
      await expectNothingLeft(dataDir);
      expect(await counts(dataDir)).toEqual({ sites: 0, subjects: 0 });
    },
    120_000,
  );
});

describe('a signal while the server is still starting', () => {
  test('SIGTERM during start-up: handled once the server is up, nothing left behind', async () => {
    const dataDir = join(root, 'signal-at-start');
    const demo = sifreg(['demo', '--subjects', '5', '--data-dir', dataDir]);
    await until('start-up to begin', async () => (await lock(dataDir)).state === 'starting', 30_000);
    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(143);
    await expectNothingLeft(dataDir);
  }, 60_000);
});

describe.runIf(process.getuid?.() === 0)('as root without user namespaces', () => {
  test('one clear line, nothing opened up', async () => {
    const fake = join(root, 'no-userns');
    await mkdir(fake, { recursive: true });
    await writeFile(
      join(fake, 'unshare'),
      '#!/bin/sh\necho "unshare: Operation not permitted" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    const dataDir = join(root, 'no-userns-data');
    const r = await done(['report', '--format', 'json', '--data-dir', dataDir], {
      PATH: `${fake}:${process.env.PATH}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'sifreg report: PostgreSQL refuses to run as root, and this system does not allow user namespaces ' +
        '(unshare --user failed): run sifreg as an ordinary user, enable user namespaces, or set DATABASE_URL\n',
    );
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
  });
});

describe('serve when PostgreSQL dies', () => {
  test('kill -9 of the postmaster: 503 with Retry-After meanwhile, then serve restarts it by itself', async () => {
    const dataDir = join(root, 'kill-pg');
    const server = await serve(dataDir);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const pg = await serverPid(dataDir);
    process.kill(pg, 'SIGKILL');

    const down = await until('a 503', async () => {
      const res = await fetch(`${server.url}/health`);
      return res.status === 503 ? res : null;
    });
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await fetch(`${server.url}/`)).status).not.toBe(500);

    await until(
      'health to recover',
      async () => (await fetch(`${server.url}/health`)).status === 200,
      60_000,
    );
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const restarted = await serverPid(dataDir);
    expect(restarted).not.toBe(pg);
    // Another command uses the restarted server (no DATA_DIR_IN_USE).
    const report = await done(['report', '--format', 'json', '--data-dir', dataDir]);
    expect(report.stderr).not.toMatch(/DATA_DIR_IN_USE|in use by/);
    expect(report.code).toBe(0);

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(143);
    expect(processAlive(restarted)).toBe(false);
    await expectNothingLeft(dataDir);
  }, 120_000);
});

describe('serve on DATABASE_URL when the database goes away', () => {
  test('503 with Retry-After while it refuses connections, then serve reconnects by itself', async () => {
    const target = await createTestDatabase();
    const admin = await createTestDatabase({ migrate: false });
    try {
      const port = await freePort();
      const server = sifreg(['serve', '--port', String(port)], { DATABASE_URL: target.url });
      await until('serve to listen', async () => server.stdout().includes('listening on'));
      const url = `http://127.0.0.1:${port}/health`;
      expect((await fetch(url)).status).toBe(200);

      // The database goes away for serve: no new connections, and its open ones are ended.
      await sql.raw(`alter database ${target.name} allow_connections false`).execute(admin.db);
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${target.name}`.execute(
        admin.db,
      );
      const down = await until('a 503', async () => {
        const res = await fetch(url);
        return res.status === 503 ? res : null;
      });
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);

      await sql.raw(`alter database ${target.name} allow_connections true`).execute(admin.db);
      await until('health to recover', async () => (await fetch(url)).status === 200);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(143);
    } finally {
      await sql.raw(`alter database ${target.name} allow_connections true`).execute(admin.db);
      await target.destroy();
      await admin.destroy();
    }
  }, 120_000);
});

describe('serve checks its port before it starts anything', () => {
  test('a busy port: one line, non-zero, no database started', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const dataDir = join(root, 'busy-port');
      const r = await done(['serve', '--port', String(port), '--data-dir', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`sifreg serve: 127.0.0.1:${port} is already in use; choose another --port\n`);
      expect(await exists(dataDir)).toBe(false);
    } finally {
      busy.close();
    }
  });

  test.each([
    [['--port', '99999'], {}, 'sifreg serve: --port must be a port number from 1 to 65535 (got "99999")'],
    [[], { PORT: 'abc' }, 'sifreg serve: PORT must be a port number from 1 to 65535 (got "abc")'],
  ])('%j %j: one line, non-zero, nothing started', async (args, env, message) => {
    const dataDir = join(root, `bad-port-${args.length}`);
    const r = await done(['serve', ...args, '--data-dir', dataDir], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message} (see "sifreg serve --help")\n`);
    expect(await exists(dataDir)).toBe(false);
  });
});

describe('every failure is one clear line', () => {
  let target: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    target = await createTestDatabase();
    env = { DATABASE_URL: target.url };
    expect((await done(['demo', '--subjects', '5'], env)).code).toBe(0);
  }, 60_000);
  afterAll(() => target.destroy());

  const exports = async () =>
    (await target.db.selectFrom('audit_event').select('action').where('action', 'like', 'export%').execute())
      .length;

  test.each([
    [['export', '--out', 'missing/x.csv'], '--out missing/x.csv: the directory'],
    [['report', '--out', 'missing/r.html'], '--out missing/r.html: the directory'],
    [['report', '--format', 'json', '--out', 'missing/r.json'], '--out missing/r.json: the directory'],
    [['backup', 'missing/b.gz'], 'backup missing/b.gz: the directory'],
  ])('%j into a missing directory', async (args, message) => {
    const before = await exports();
    const r = await done(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^sifreg \\w+: ${message.replace(/[.*?]/g, '\\$&')} .* does not exist; nothing was written\\n$`,
      ),
    );
    expect(await exports()).toBe(before);
  });

  test('export --out naming a directory fails before anything is audited', async () => {
    await mkdir(join(root, 'a-dir'), { recursive: true });
    const before = await exports();
    const r = await done(['export', '--out', 'a-dir'], env);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'sifreg export: --out a-dir: is a directory, not a file; nothing was written\n',
    });
    expect(await exports()).toBe(before);
    expect((await done(['export', '--out', 'a-dir/ok.csv'], env)).code).toBe(0);
    expect(await exports()).toBe(before + 1);
  });

  test('--data-dir naming a file', async () => {
    await writeFile(join(root, 'a-file'), 'x');
    const r = await done(['report', '--data-dir', 'a-file']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `sifreg report: cannot use data directory ${join(root, 'a-file')}: it (or a folder on its path) is a file, not a directory\n`,
    );
  });

  test('demo --subjects beyond the bound', async () => {
    const r = await done(['demo', '--subjects', '100001', '--data-dir', 'never']);
    expect(r).toMatchObject({ code: 2 });
    expect(r.stderr).toBe(
      'sifreg demo: --subjects must be at most 100,000 (got 100001) (see "sifreg demo --help")\n',
    );
    expect(await exists(join(root, 'never'))).toBe(false);
  });

  test('import --dry-run does not create a registry in a new --data-dir', async () => {
    await writeFile(join(root, 'rows.csv'), 'study_id,site,visit,instrument,instance,item,value\n');
    const r = await done(['import', 'rows.csv', '--dry-run', '--data-dir', 'new-dir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `sifreg import: there is no registry in ${join(root, 'new-dir')}, and a dry run creates none\n`,
    );
    expect(await exists(join(root, 'new-dir'))).toBe(false);
  });

  test('a connection lost mid-command: one line, no stack, non-zero', async () => {
    const other = await createTestDatabase();
    try {
      const demo = sifreg(['demo', '--subjects', '3000'], { DATABASE_URL: other.url });
      // Once its transaction holds the demo lock, end its connections, as an administrator or a restart would.
      await until('the demo transaction', async () => {
        const held = await sql<{ n: number }>`select count(*)::int as n from pg_locks l
          join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = ${other.name}`.execute(
          target.db,
        );
        return held.rows[0]!.n > 0;
      });
      const killer = setInterval(() => {
        void sql`select pg_terminate_backend(pid) from pg_stat_activity
                 where datname = ${other.name} and application_name = 'sifreg' and state = 'idle in transaction'`
          .execute(target.db)
          .catch(() => {});
      }, 20);
      const { code } = await demo.exited;
      clearInterval(killer);
      expect(code).toBe(1);
      expect(demo.stderr()).toMatch(/^sifreg demo: lost the connection to the database \(.*\); .*\n$/);
      expect(demo.stderr()).not.toMatch(/Unhandled|at .*\.js:\d+/);
    } finally {
      await other.destroy();
    }
  }, 120_000);
});
