import path from 'node:path';
import { parseVerbArgs, UsageError } from '../args.js';
import type { CliIo } from '../io.js';
import { checkOutputFile } from '../output-file.js';
import type { Verb } from '../verb.js';

const KEY_OPTION = { 'key-file': { type: 'string' } } as const;
/** The actor of CLI backups and restores (the registry's SYSTEM_ACTOR, without loading registry/). */
const SYSTEM_USERNAME = 'system';

/** The backup key: --key-file, SIFREG_BACKUP_KEY, or DIR/backup-key (made by a backup when missing). */
async function registryBackupKey(io: CliIo, values: Record<string, unknown>, create: boolean) {
  const { loadBackupKey } = await import('../../store/backup/backup-key.js');
  const keyFile = values['key-file'] as string | undefined;
  return loadBackupKey({
    keyFile: keyFile === undefined ? undefined : path.resolve(io.cwd, keyFile),
    env: io.env.SIFREG_BACKUP_KEY,
    dataDir: path.resolve(io.cwd, (values['data-dir'] as string | undefined) ?? 'sifreg-data'),
    create,
  });
}

export const BACKUP: Verb = {
  name: 'backup',
  help: `Usage: sifreg backup FILE [--key-file KEY] [--data-dir DIR]

Writes every table as of one moment (one REPEATABLE READ transaction) to FILE as gzip'd NDJSON with
a SHA-256 checksum, the audit chain head, and an HMAC-SHA256 under the registry's backup key, so a
forged or edited file is refused. The key is KEY, else SIFREG_BACKUP_KEY, else DIR/backup-key (made
by the first backup, mode 0600): keep a copy of it apart from the backups. The backup is audited.
Restore it into an empty registry with "sifreg restore FILE".`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, KEY_OPTION, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('backup needs the FILE to write');
    // Checked before the database is opened: a bad FILE fails at once and nothing is read.
    const target = await checkOutputFile(io.cwd, file, 'backup');
    const { openRegistry } = await import('../open-registry.js');
    const { backupDatabase } = await import('../../store/backup/backup.js');
    const key = await registryBackupKey(io, values, true);
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      const bar = progressBar(io, 'backup');
      const result = await backupDatabase(registry.deps.db, target, {
        key,
        actor: SYSTEM_USERNAME,
        at: io.clock(),
        onProgress: (p) => bar.update(p.done, p.total ?? p.done),
      });
      bar.stop();
      const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
      io.stdout.write(`backup written: ${file} (${rows} rows, audit head ${result.audit_head})\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};

export const RESTORE: Verb = {
  name: 'restore',
  help: `Usage: sifreg restore FILE [--key-file KEY] [--data-dir DIR]

Checks the file first (its HMAC under the backup key, checksum, format, schema), then loads every
table in one transaction and audits the restore. The target registry must be empty; nothing is
written if anything is wrong. The key is KEY, else SIFREG_BACKUP_KEY, else DIR/backup-key: a backup
from another registry needs that registry's key.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, KEY_OPTION, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('restore needs the backup FILE to read');
    const { openRegistry } = await import('../open-registry.js');
    const { restoreDatabase } = await import('../../store/backup/restore.js');
    const key = await registryBackupKey(io, values, false);
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      const bar = progressBar(io, 'restore');
      const result = await restoreDatabase(registry.deps.db, path.resolve(io.cwd, file), {
        key,
        actor: SYSTEM_USERNAME,
        at: io.clock(),
        onProgress: (p) => bar.update(p.done, p.total ?? p.done),
      });
      bar.stop();
      const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
      io.stdout.write(`restored ${rows} rows from ${file} (audit head ${result.audit_head})\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};
