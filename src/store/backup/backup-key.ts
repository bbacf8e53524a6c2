import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../../errors.js';

/*
 * The secret that authenticates backups (HMAC-SHA256, backup-format.ts). It lives outside the
 * database, so whoever can only reach the database cannot forge a backup: --key-file, else
 * SIFREG_BACKUP_KEY, else DATADIR/backup-key (mode 0600, made by the first backup).
 */

export interface BackupKey {
  key: Buffer;
  /** A public fingerprint written into each backup, to say which key a file needs. */
  id: string;
  /** Where the key came from, for messages (never the key). */
  source: string;
}

const MIN_LENGTH = 32;

export function backupKeyId(key: Buffer): string {
  return createHash('sha256').update('sifreg backup key id\0').update(key).digest('hex').slice(0, 16);
}

function fromText(text: string, source: string): BackupKey {
  const trimmed = text.trim();
  if (trimmed.length < MIN_LENGTH) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      `${source} holds no usable backup key (it needs at least ${MIN_LENGTH} characters)`,
    );
  }
  const key = Buffer.from(trimmed, 'utf8');
  return { key, id: backupKeyId(key), source };
}

export interface KeyLocation {
  /** --key-file */
  keyFile?: string | undefined;
  /** SIFREG_BACKUP_KEY */
  env?: string | undefined;
  /** The registry's data directory (DATADIR/backup-key). */
  dataDir: string;
  /** Make DATADIR/backup-key when there is no key yet (a backup); a restore never does. */
  create: boolean;
}

/** Finds the backup key; throws one clear line when there is none. */
export async function loadBackupKey(at: KeyLocation): Promise<BackupKey> {
  if (at.keyFile !== undefined) {
    const text = await readFile(at.keyFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new RegistryError(
        'VALIDATION_FAILED',
        `--key-file ${at.keyFile}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      );
    });
    return fromText(text, `--key-file ${at.keyFile}`);
  }
  if (at.env !== undefined && at.env !== '') return fromText(at.env, 'SIFREG_BACKUP_KEY');
  const file = join(at.dataDir, 'backup-key');
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new RegistryError('VALIDATION_FAILED', `cannot read the backup key ${file}: ${error.message}`);
  });
  if (existing !== null) return fromText(existing, file);
  if (!at.create) {
    throw new RegistryError(
      'VALIDATION_FAILED',
      `this registry has no backup key (${file}): pass the key of the registry the backup came from with --key-file, or set SIFREG_BACKUP_KEY`,
    );
  }
  await mkdir(at.dataDir, { recursive: true, mode: 0o700 });
  const text = `${randomBytes(32).toString('hex')}\n`;
  // 'wx': two first backups at once must not each write a different key.
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return fromText(await readFile(file, 'utf8'), file);
}
