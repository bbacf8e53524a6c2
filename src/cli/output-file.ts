import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RegistryError } from '../errors.js';

/**
 * Checks, before any work is done or audited, that FILE can be written: its folder exists and it
 * is not itself a folder. Returns the absolute path. `name` says where FILE came from (`--out`).
 */
export async function checkOutputFile(cwd: string, file: string, name: string): Promise<string> {
  const target = path.resolve(cwd, file);
  const fail = (why: string) =>
    new RegistryError('OUTPUT_UNWRITABLE', `${name} ${file}: ${why}; nothing was written`);
  const found = await stat(target).catch((error: NodeJS.ErrnoException) => error);
  if (!(found instanceof Error)) {
    if (found.isDirectory()) throw fail('is a directory, not a file');
    return target;
  }
  if (found.code === 'ENOTDIR') throw fail('a part of its path is a file, not a directory');
  if (found.code === 'EACCES') throw fail('permission denied');
  const folder = path.dirname(target);
  const parent = await stat(folder).catch(() => null);
  if (!parent) throw fail(`the directory ${folder} does not exist`);
  if (!parent.isDirectory()) throw fail(`${folder} is not a directory`);
  return target;
}

/** One line for an error met while writing FILE (disk full, permission), never a raw errno. */
export function outputError(file: string, name: string, error: unknown): RegistryError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'its directory does not exist'
      : code === 'EISDIR'
        ? 'is a directory, not a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : (code ?? (error as Error).message);
  return new RegistryError('OUTPUT_UNWRITABLE', `${name} ${file}: ${why}; nothing was written`);
}
