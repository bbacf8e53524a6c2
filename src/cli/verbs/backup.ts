import path from 'node:path';
import { parseVerbArgs, UsageError } from '../args.js';
import { checkOutputFile } from '../output-file.js';
import type { Verb } from '../verb.js';

export const BACKUP: Verb = {
  name: 'backup',
  help: `Usage: sifreg backup FILE [--data-dir DIR]

Writes every table as of one moment (one REPEATABLE READ transaction) to FILE as gzip'd NDJSON with
a SHA-256 checksum. Restore it into an empty registry with "sifreg restore FILE".`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, {}, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('backup needs the FILE to write');
    // Checked before the database is opened: a bad FILE fails at once and nothing is read.
    const target = await checkOutputFile(io.cwd, file, 'backup');
    const { openRegistry } = await import('../open-registry.js');
    const { backupDatabase } = await import('../../store/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    try {
      const bar = progressBar(io, 'backup');
      const result = await backupDatabase(registry.deps.db, target, (p) =>
        bar.update(p.done, p.total ?? p.done),
      );
      bar.stop();
      const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
      io.stdout.write(`backup written: ${file} (${rows} rows, sha256 ${result.sha256.slice(0, 16)}…)\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};

export const RESTORE: Verb = {
  name: 'restore',
  help: `Usage: sifreg restore FILE [--data-dir DIR]

Checks the file's format and checksum first, then loads every table in one transaction. The target
registry must be empty; nothing is written if anything is wrong.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, {}, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('restore needs the backup FILE to read');
    const { openRegistry } = await import('../open-registry.js');
    const { restoreDatabase } = await import('../../store/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    try {
      const bar = progressBar(io, 'restore');
      const result = await restoreDatabase(registry.deps.db, path.resolve(io.cwd, file), (p) =>
        bar.update(p.done, p.total ?? p.done),
      );
      bar.stop();
      const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
      io.stdout.write(`restored ${rows} rows from ${file}\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};
