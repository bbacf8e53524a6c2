import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { RegistryError } from '../../errors.js';
import type { DataDirLayout } from './embedded-cluster.js';
import { bootId, processAlive, processStartTicks, sleep, writeAtomically } from './process-util.js';

/** One open database handle of one process; the server lives while any client's process does. */
export interface LockClient {
  /** Random per handle: one process may open the data directory more than once. */
  id: string;
  pid: number;
  /** The process's start time (processStartTicks): a reused pid is not mistaken for the client. */
  since: string | null;
}

/** Contents of `DATADIR/sifreg.lock`: the data directory's server and the processes using it. */
export interface LockInfo {
  /** The process that started (or is starting) the server; it may have left since. */
  pid: number;
  /** The server's port; null until the owner has picked one. */
  port: number | null;
  started_at: string;
  state: 'starting' | 'ready';
  /** Linux boot id: a lock from before a reboot is stale even if its pid is in use again. */
  boot_id: string | null;
  /** Every handle using the server; the last one to close stops it. */
  clients: LockClient[];
}

/** Reads the lock; null when there is none. An unreadable lock counts as stale (it is replaced). */
export async function readLock(file: string): Promise<LockInfo | 'invalid' | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (!Number.isInteger(info.pid) || typeof info.started_at !== 'string') return 'invalid';
    return { ...info, clients: Array.isArray(info.clients) ? info.clients : [] };
  } catch {
    return 'invalid';
  }
}

/** True when the lock was written before this boot (every process in it is gone). */
export async function lockFromEarlierBoot(info: LockInfo): Promise<boolean> {
  const boot = await bootId();
  return Boolean(info.boot_id && boot && info.boot_id !== boot);
}

/** A new client entry for this process. */
export function newClient(id: string): LockClient {
  return { id, pid: process.pid, since: processStartTicks(process.pid) };
}

/** True while the client's process runs (the same process, not a later one with its pid). */
export function clientAlive(client: LockClient): boolean {
  if (!processAlive(client.pid)) return false;
  return client.since === null || processStartTicks(client.pid) === client.since;
}

export async function newLock(
  port: number | null,
  state: LockInfo['state'],
  startedAt: string,
  clients: LockClient[],
): Promise<LockInfo> {
  return { pid: process.pid, port, started_at: startedAt, state, boot_id: await bootId(), clients };
}

/** Replaces the lock atomically (temp file + rename), so a reader never sees half a lock. */
export async function writeLock(file: string, info: LockInfo): Promise<void> {
  await writeAtomically(file, `${JSON.stringify(info)}\n`);
}

/** Removes the lock file. */
export async function removeLock(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}

/**
 * Runs `decide` while holding the election file, created exclusively ('wx'): two processes that
 * start on one data directory at the same instant decide one after the other. The section only
 * reads and writes the lock, or starts and stops the server; a holder that died inside it is
 * detected by pid, and a live holder touches the file every few seconds so it is never taken for dead.
 */
export async function withElection<T>(
  l: DataDirLayout,
  deadline: number,
  decide: () => Promise<T>,
): Promise<T> {
  await acquire(l.electionFile, deadline, l.dataDir);
  const heartbeat = setInterval(() => {
    const now = new Date();
    void utimes(l.electionFile, now, now).catch(() => {});
  }, 5_000);
  heartbeat.unref();
  try {
    return await decide();
  } finally {
    clearInterval(heartbeat);
    await unlink(l.electionFile).catch(() => {});
  }
}

async function acquire(file: string, deadline: number, dataDir: string): Promise<void> {
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    const age = Date.now() - ((await stat(file).catch(() => null))?.mtimeMs ?? Date.now());
    if ((text !== '' && !processAlive(Number(text))) || age > 30_000) {
      await setAsideStale(file, text);
      continue;
    }
    if (Date.now() > deadline) {
      throw new RegistryError(
        'DATA_DIR_IN_USE',
        `data directory ${dataDir} is in use by process ${text} (start-up did not finish)`,
      );
    }
    await sleep(10 + Math.random() * 40);
  }
}

/** Moves a dead holder's election file away; if another process replaced it meanwhile, puts that one back. */
async function setAsideStale(file: string, judged: string): Promise<void> {
  const aside = `${file}.${process.pid}.stale`;
  try {
    await rename(file, aside);
  } catch {
    return;
  }
  const taken = await readFile(aside, 'utf8').catch(() => judged);
  if (taken !== judged) await link(aside, file).catch(() => {});
  await unlink(aside).catch(() => {});
}
