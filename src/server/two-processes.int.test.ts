// Two real `bin/sifreg serve` processes on one DATABASE_URL (compiled dist/: `npm run build` first)
// behave as one (issue 8 §5): a session made on one is used on the other, sign-out on one ends it on
// both, and failed sign-ins count across both.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { STAFF_PASSWORD } from '../../test/helpers/web.js';
import { SACROPLASTY_SIF } from '../protocol/index.js';
import { addUser, createSite, SYSTEM_ACTOR, seededRandom } from '../registry/index.js';
import { freePort, sleep } from '../store/supervisor/process-util.js';

const BIN = fileURLToPath(new URL('../../bin/sifreg.js', import.meta.url));

interface Server {
  child: ChildProcess;
  origin: string;
  out: () => string;
}

async function serve(url: string): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  delete env.PORT;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!out.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${out}`);
    await sleep(100);
  }
  return { child, origin: `http://127.0.0.1:${port}`, out: () => out };
}

/** A browser of one server: the session cookie it was given, and that server's Origin on POSTs. */
async function send(server: Server, path: string, cookie: string | null, form?: Record<string, string>) {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const res = await fetch(`${server.origin}${path}`, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: form
      ? { ...headers, origin: server.origin, 'content-type': 'application/x-www-form-urlencoded' }
      : headers,
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  await res.arrayBuffer();
  const set = res.headers.get('set-cookie');
  return { status: res.status, cookie: set ? set.split(';')[0]! : null };
}

describe('two sifreg serve processes on one database', () => {
  let database: TestDatabase;
  const servers: Server[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const deps = {
      db: database.db,
      clock: () => new Date(),
      random: seededRandom(1),
      protocol: SACROPLASTY_SIF,
    };
    await createSite(deps, SYSTEM_ACTOR, { id: 'VCU', name: 'VCU spine center' });
    for (const username of ['cora.vcu', 'ivan.vcu']) {
      await addUser(deps, SYSTEM_ACTOR, {
        username,
        role: 'coordinator',
        siteId: 'VCU',
        password: STAFF_PASSWORD,
      });
    }
    servers.push(await serve(database.url), await serve(database.url));
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      if (s.child.exitCode === null) await new Promise((r) => s.child.once('exit', r));
    }
    await database.destroy();
  });

  test('a session made on one is used on the other; sign-out on the other ends it on both', async () => {
    const [a, b] = servers as [Server, Server];
    const login = await send(a, '/login', null, { username: 'cora.vcu', password: STAFF_PASSWORD });
    expect(login.status).toBe(303);
    expect(login.cookie).toMatch(/^__Host-sifreg=/);
    expect((await send(b, '/account', login.cookie)).status).toBe(200);
    expect((await send(b, '/logout', login.cookie, {})).status).toBe(303);
    expect((await send(a, '/account', login.cookie)).status).toBe(303);
    expect((await send(b, '/account', login.cookie)).status).toBe(303);
  });

  test('failed sign-ins on one hold back the next attempt on the other', async () => {
    const [a, b] = servers as [Server, Server];
    const wrong = { username: 'ivan.vcu', password: 'not-the-password-1' };
    expect((await send(a, '/login', null, wrong)).status).toBe(401);
    expect((await send(b, '/login', null, wrong)).status).toBe(401);
    expect((await send(a, '/login', null, wrong)).status).toBe(401);
    // The delay after the last failure grows 1 s, 2 s, 4 s: by the fifth failure the margin is 4 s,
    // wide enough for a loaded machine.
    await sleep(1100);
    expect((await send(b, '/login', null, wrong)).status).toBe(401);
    await sleep(2100);
    expect((await send(a, '/login', null, wrong)).status).toBe(401);
    const right = { username: 'ivan.vcu', password: STAFF_PASSWORD };
    expect((await send(b, '/login', null, right)).status).toBe(429);
    await sleep(4100);
    expect((await send(a, '/login', null, right)).status).toBe(303);
  });
});
