import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type StoreProcess, startStoreProcess } from '../../../test/helpers/store-process.js';
import { verifyAudit } from '../audit-verify.js';
import { openDatabase } from './database.js';
import { processAlive, sleep } from './process-util.js';

let root: string;
const children: StoreProcess[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sifreg-recovery-')); // 0700, nothing opened up
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
});
afterAll(() => rm(root, { recursive: true, force: true }));

function start(dataDir: string): StoreProcess {
  const p = startStoreProcess(dataDir);
  children.push(p);
  return p;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const postmasterPid = async (dataDir: string) =>
  Number((await readFile(join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

async function sites(dataDir: string, log?: (line: string) => void) {
  const handle = await openDatabase({ dataDir, ...(log ? { log } : {}) });
  try {
    return {
      owner: handle.owner,
      sites: (await handle.db.selectFrom('site').select('id').orderBy('id').execute()).map((r) => r.id),
      audit: await verifyAudit(handle.db),
    };
  } finally {
    await handle.close();
  }
}

describe('one data directory, several processes', () => {
  test('a second process uses the running server instead of starting its own', async () => {
    const dataDir = join(root, 'second');
    const owner = start(dataDir);
    expect(await owner.next('open')).toMatchObject({ owner: true });
    owner.send({ cmd: 'commit', sites: ['VCU'] });
    await owner.next('committed');
    const serverPid = await postmasterPid(dataDir);

    const lines: string[] = [];
    const second = await openDatabase({ dataDir, log: (l) => lines.push(l) });
    expect(second.owner).toBe(false);
    expect(lines.join('\n')).toContain(`using the PostgreSQL server of process ${owner.pid}`);
    expect((await second.db.selectFrom('site').select('id').execute()).map((r) => r.id)).toEqual(['VCU']);
    await second.db.insertInto('site').values({ id: 'APMSS', name: 'Atlantic' }).execute();
    await second.close();

    // Closing the second process's handle left the owner's server running, and it sees the write.
    expect(await postmasterPid(dataDir)).toBe(serverPid);
    owner.send({ cmd: 'sites' });
    expect((await owner.next('sites')).sites).toEqual(['APMSS', 'VCU']);
    owner.send({ cmd: 'close' });
    await owner.next('closed');
    expect(await owner.exited).toEqual({ code: 0, signal: null });
    expect(processAlive(serverPid)).toBe(false);
  });

  test('three processes starting at the same instant on a new data directory elect one owner', async () => {
    const dataDir = join(root, 'race');
    const racers = [start(dataDir), start(dataDir), start(dataDir)];
    const opened = await Promise.all(racers.map((r) => r.next('open', 120_000)));
    expect(opened.filter((o) => o.owner === true)).toHaveLength(1);
    for (const [i, r] of racers.entries()) r.send({ cmd: 'commit', sites: [`S${i}X`] });
    await Promise.all(racers.map((r) => r.next('committed')));
    const owner = racers[opened.findIndex((o) => o.owner === true)]!;
    for (const r of [...racers.filter((r) => r !== owner), owner]) {
      r.send({ cmd: 'close' });
      expect(await r.exited).toEqual({ code: 0, signal: null });
    }
    expect(await sites(dataDir)).toMatchObject({
      sites: ['S0X', 'S1X', 'S2X'],
      audit: { ok: true, count: 3 },
    });
  });
});

describe('the server lives while any process uses it', () => {
  test('the process that started the server leaves: the server stays for the others, and the last one out stops it', async () => {
    const dataDir = join(root, 'leave');
    const first = start(dataDir);
    expect(await first.next('open')).toMatchObject({ owner: true });
    const second = start(dataDir);
    expect(await second.next('open')).toMatchObject({ owner: false });
    const serverPid = await postmasterPid(dataDir);

    first.send({ cmd: 'close' });
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(processAlive(serverPid)).toBe(true);
    second.send({ cmd: 'commit', sites: ['VCU'] }); // no "terminating connection due to administrator command"
    expect(await second.next('committed')).toMatchObject({ sites: ['VCU'] });

    second.send({ cmd: 'close' });
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.logs).toContain('embedded PostgreSQL stopped');
    expect(processAlive(serverPid)).toBe(false);
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
  });

  test('a client killed with -9 is dropped by pid: the last live client still stops the server', async () => {
    const dataDir = join(root, 'dead-client');
    const owner = start(dataDir);
    await owner.next('open');
    const doomed = start(dataDir);
    await doomed.next('open');
    const serverPid = await postmasterPid(dataDir);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    owner.send({ cmd: 'close' });
    expect(await owner.exited).toEqual({ code: 0, signal: null });
    expect(processAlive(serverPid)).toBe(false);
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
  });

  test('kill -9 of the server: the next open starts it again, and a running client recovers onto it', async () => {
    const dataDir = join(root, 'kill-server');
    const client = start(dataDir);
    const opened = await client.next('open');
    client.send({ cmd: 'commit', sites: ['VCU'] });
    await client.next('committed');
    const serverPid = await postmasterPid(dataDir);
    process.kill(serverPid, 'SIGKILL');
    while (processAlive(serverPid)) await sleep(20);

    const lines: string[] = [];
    const next = await openDatabase({ dataDir, log: (l) => lines.push(l), waitMs: 20_000 });
    try {
      expect(next.owner).toBe(true); // not DATA_DIR_IN_USE
      expect(lines.join('\n')).toContain('is gone; starting it again');
      client.send({ cmd: 'recover' });
      const recovered = await client.next('recovered');
      expect(recovered).toMatchObject({ ok: true, port: Number(new URL(next.url).port) });
      expect(recovered.port).not.toBe(opened.port);
      client.send({ cmd: 'commit', sites: ['APMSS'] });
      await client.next('committed');
      expect(
        (await next.db.selectFrom('site').select('id').orderBy('id').execute()).map((r) => r.id),
      ).toEqual(['APMSS', 'VCU']);
    } finally {
      await next.close();
    }
    const newServer = await postmasterPid(dataDir);
    expect(processAlive(newServer)).toBe(true); // the client still uses it
    client.send({ cmd: 'close' });
    await client.exited;
    expect(processAlive(newServer)).toBe(false);
  });

  test('a server that died with no one left is started again by the next process alone', async () => {
    const dataDir = join(root, 'kill-server-alone');
    const client = start(dataDir);
    await client.next('open');
    const serverPid = await postmasterPid(dataDir);
    process.kill(serverPid, 'SIGKILL');
    while (processAlive(serverPid)) await sleep(20);
    client.send({ cmd: 'recover' });
    expect(await client.next('recovered')).toMatchObject({ ok: true });
    client.send({ cmd: 'commit', sites: ['OC'] });
    await client.next('committed');
    client.send({ cmd: 'close' });
    expect(await client.exited).toEqual({ code: 0, signal: null });
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
  });
});

describe('recovery after the owner is killed', () => {
  test('kill -9 of the owner: the orphaned server is stopped cleanly, committed rows stay, uncommitted vanish', async () => {
    const dataDir = join(root, 'kill-owner');
    const owner = start(dataDir);
    await owner.next('open');
    owner.send({ cmd: 'commit', sites: ['AA', 'BB', 'CC'] });
    await owner.next('committed');
    owner.send({ cmd: 'hold', sites: ['DD', 'EE'] });
    await owner.next('holding');
    const serverPid = await postmasterPid(dataDir);

    owner.child.kill('SIGKILL');
    expect((await owner.exited).signal).toBe('SIGKILL');
    expect(processAlive(serverPid)).toBe(true); // orphaned, still serving

    const lines: string[] = [];
    const after = await sites(dataDir, (l) => lines.push(l));
    expect(after).toMatchObject({ owner: true, sites: ['AA', 'BB', 'CC'], audit: { ok: true, count: 3 } });
    expect(lines.join('\n')).toContain(`last held by process ${owner.pid}, which is gone`);
    expect(lines.join('\n')).toContain(`stopping the PostgreSQL server (pid ${serverPid}) left running`);
    expect(processAlive(serverPid)).toBe(false);
  });

  test('kill -9 of the owner and its server: crash recovery keeps every committed transaction', async () => {
    const dataDir = join(root, 'kill-both');
    const owner = start(dataDir);
    await owner.next('open');
    owner.send({
      cmd: 'commit',
      sites: Array.from({ length: 40 }, (_, i) => `K${String(i).padStart(2, '0')}`),
    });
    await owner.next('committed');
    owner.send({ cmd: 'hold', sites: ['ZZ'] });
    await owner.next('holding');
    const serverPid = await postmasterPid(dataDir);

    process.kill(serverPid, 'SIGKILL');
    owner.child.kill('SIGKILL');
    await owner.exited;
    while (processAlive(serverPid)) await sleep(20);

    const after = await sites(dataDir);
    expect(after.sites).toEqual(Array.from({ length: 40 }, (_, i) => `K${String(i).padStart(2, '0')}`));
    expect(after.audit).toMatchObject({ ok: true, count: 40 });
    const logDir = join(dataDir, 'pg', 'log');
    const serverLogs = await Promise.all(
      (await readdir(logDir)).map((f) => readFile(join(logDir, f), 'utf8')),
    );
    expect(serverLogs.join('\n')).toMatch(/not properly shut down; automatic recovery in progress/);
  });

  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: the owner closes cleanly and exits %i', async (signal, code) => {
    const dataDir = join(root, `signal-${signal}`);
    const owner = start(dataDir);
    await owner.next('open');
    owner.send({ cmd: 'commit', sites: ['VCU'] });
    await owner.next('committed');
    const serverPid = await postmasterPid(dataDir);

    owner.child.kill(signal);
    expect(await owner.exited).toEqual({ code, signal: null });
    expect(owner.logs).toContain('embedded PostgreSQL stopped');
    expect(processAlive(serverPid)).toBe(false);
    expect(await exists(join(dataDir, 'sifreg.lock'))).toBe(false);
    expect(await exists(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const lines: string[] = [];
    expect(await sites(dataDir, (l) => lines.push(l))).toMatchObject({ owner: true, sites: ['VCU'] });
    expect(lines.join('\n')).not.toMatch(/taking over|left running/);
  });
});
