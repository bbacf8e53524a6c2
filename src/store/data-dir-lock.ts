import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { RegistryError } from '../errors.js';
import type { DataDirLayout } from './embedded-cluster.js';
import { bootId, processAlive, sleep, writeAtomically } from './process-util.js';

/** Contents of `DATADIR/sifreg.lock`: which process owns the data directory and its server. */
export interface LockInfo {
  pid: number;
  /** The server's port; null until the owner has picked one. */
  port: number | null;
  started_at: string;
  state: 'starting' | 'ready';
  /** Linux boot id: a lock from before a reboot is stale even if its pid is in use again. */
  boot_id: string | null;
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
    return Number.isInteger(info.pid) && typeof info.started_at === 'string' ? info : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** A lock is stale when its process is gone or it was written before this boot. */
export async function lockIsStale(info: LockInfo | 'invalid'): Promise<boolean> {
  if (info === 'invalid') return true;
  const boot = await bootId();
  if (info.boot_id && boot && info.boot_id !== boot) return true;
  return !processAlive(info.pid);
}

export async function newLock(
  port: number | null,
  state: LockInfo['state'],
  startedAt: string,
): Promise<LockInfo> {
  return { pid: process.pid, port, started_at: startedAt, state, boot_id: await bootId() };
}

/** Replaces the lock atomically (temp file + rename), so a reader never sees half a lock. */
export async function writeLock(file: string, info: LockInfo): Promise<void> {
  await writeAtomically(file, `${JSON.stringify(info)}\n`);
}

/** Removes the lock if this process still owns it. */
export async function removeLockIfOurs(file: string): Promise<void> {
  const info = await readLock(file).catch(() => null);
  if (info && info !== 'invalid' && info.pid === process.pid) await unlink(file).catch(() => {});
}

/**
 * Runs `decide` while holding the election file, created exclusively ('wx'): two processes that
 * start on one data directory at the same instant decide one after the other. The section only
 * reads and writes the lock (milliseconds), so a holder that died inside it is detected by pid.
 */
export async function withElection<T>(
  l: DataDirLayout,
  deadline: number,
  decide: () => Promise<T>,
): Promise<T> {
  await acquire(l.electionFile, deadline, l.dataDir);
  try {
    return await decide();
  } finally {
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
