import { once } from 'node:events';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { printable, RegistryError } from '../../errors.js';
import { parseVerbArgs, UsageError } from '../args.js';
import { checkOutputFile, outputError } from '../output-file.js';
import type { Verb } from '../verb.js';

const FORMATS = ['tidy'] as const;

const ENCODINGS = ['utf8', 'latin1'] as const;

/** Why a file cannot be read, in words (ENOENT → "no such file"). */
export function fileProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      return code ? `${code}` : (error as Error).message;
  }
}

/** The file's bytes as a stream; a read error becomes one line naming the file and the reason. */
async function* fileBytes(handle: FileHandle, file: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 18, autoClose: false })) {
      yield chunk as Buffer;
    }
  } catch (error) {
    throw new RegistryError('IMPORT_FAILED', `cannot read ${file}: ${fileProblem(error)}`);
  }
}

export const IMPORT: Verb = {
  name: 'import',
  help: `Usage: sifreg import FILE.csv [--dry-run] [--encoding utf8|latin1] [--data-dir DIR]

Header: study_id,site,visit,instrument,instance,item,value (one row per answered item).
Every row is checked, and the file is imported all-or-nothing in one transaction: if any row is bad,
nothing is imported and each problem is printed with its line, column and reason (the first 100 by
line, and how many more). --dry-run checks everything, then writes nothing. The file is read as
UTF-8 (a byte order mark is allowed); --encoding latin1 reads a Latin-1 file. Cells that start with
' followed by =, +, -, @, a tab or a carriage return lose that ' (the export adds it so that a
spreadsheet never runs a cell as a formula). Any size is read in bounded memory; one import writes
at a time, a second one waits for it.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(
      args,
      { 'dry-run': { type: 'boolean' }, encoding: { type: 'string' } },
      1,
    );
    const file = positionals[0];
    if (!file) throw new UsageError('import needs the CSV FILE to read');
    const encoding = (values.encoding as string | undefined) ?? 'utf8';
    if (!ENCODINGS.includes(encoding as (typeof ENCODINGS)[number])) {
      throw new UsageError(
        `--encoding must be one of ${ENCODINGS.join(', ')} (got ${JSON.stringify(encoding)})`,
      );
    }
    // Open before the database, so a missing file starts nothing.
    let handle: FileHandle;
    try {
      handle = await open(path.resolve(io.cwd, file), 'r');
      if ((await handle.stat()).isDirectory()) {
        await handle.close();
        throw Object.assign(new Error('directory'), { code: 'EISDIR' });
      }
    } catch (error) {
      throw new RegistryError('IMPORT_FAILED', `cannot read ${file}: ${fileProblem(error)}`);
    }
    try {
      const { openRegistry } = await import('../open-registry.js');
      const { importTidy, SYSTEM_ACTOR } = await import('../../registry/index.js');
      const { progressBar } = await import('../progress.js');
      const registry = await openRegistry(io, {
        dataDir: values['data-dir'] as string | undefined,
        protocol: values.protocol as string | undefined,
        mustExist: values['dry-run'] ? 'a dry run' : undefined,
      });
      try {
        const bar = progressBar(io, 'importing');
        try {
          const summary = await importTidy(registry.deps, SYSTEM_ACTOR, fileBytes(handle, file), {
            dryRun: Boolean(values['dry-run']),
            encoding: encoding as (typeof ENCODINGS)[number],
            onProgress: (d, t) => bar.update(d, t),
          });
          bar.stop();
          const what = `${summary.rows} rows, ${summary.responses} forms, ${summary.subjects} new subjects`;
          const sites = summary.sitesCreated.length ? `; new sites ${summary.sitesCreated.join(', ')}` : '';
          io.stdout.write(
            summary.dryRun ? `dry run OK: ${what}${sites}; nothing written\n` : `imported ${what}${sites}\n`,
          );
          return 0;
        } catch (error) {
          bar.stop();
          if (error instanceof RegistryError && error.code === 'IMPORT_FAILED') {
            for (const issue of error.issues) io.stderr.write(`${printable(issue.message)}\n`);
          }
          throw error;
        }
      } finally {
        await registry.close();
      }
    } finally {
      await handle.close();
    }
  },
};

async function writeTo(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export const EXPORT: Verb = {
  name: 'export',
  help: `Usage: sifreg export --format tidy [--deidentify] [--out FILE] [--data-dir DIR]

Streams one row per answered item (study_id,site,visit,instrument,instance,item,value), ordered by
study id, visit, instrument, instance and item; the same data always gives the same file, and the
file imports into an empty registry. Without --out, writes to standard output. Direct identifiers are
never exported. --deidentify shifts every date by the subject's own random offset (intervals kept),
leaves out free-text answers and signature rows, and keeps study ids and missing-data codes
(docs/export.md). Every export is recorded in the audit trail.`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, {
      format: { type: 'string' },
      out: { type: 'string' },
      deidentify: { type: 'boolean' },
    });
    const format = values.format ?? 'tidy';
    if (!FORMATS.includes(format as (typeof FORMATS)[number])) {
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${String(format)}")`);
    }
    const out = values.out as string | undefined;
    // The output is opened before the export runs: a bad --out fails before anything is read or audited.
    const target = out ? await checkOutputFile(io.cwd, out, '--out') : null;
    const temp = target ? `${target}.partial` : null;
    let stream: Writable = io.stdout;
    if (out && temp) {
      const file = await open(temp, 'w').catch((error: unknown) => {
        throw outputError(out, '--out', error);
      });
      stream = file.createWriteStream();
    }
    // A write error rejects the pending write (below); this keeps it from also crashing the process.
    stream.on('error', () => {});
    const { openRegistry } = await import('../open-registry.js');
    const { exportTidy, SYSTEM_ACTOR } = await import('../../registry/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    }).catch(async (error: unknown) => {
      if (temp) await rm(temp, { force: true });
      throw error;
    });
    try {
      const bar = progressBar(io, 'exporting');
      const summary = await exportTidy(
        registry.deps,
        SYSTEM_ACTOR,
        (c) => writeTo(stream, c),
        (d, t) => bar.update(d, t),
        { deidentify: values.deidentify === true },
      );
      bar.stop();
      if (out && temp && target) {
        stream.end();
        await once(stream, 'finish');
        await rename(temp, target).catch((error: unknown) => {
          throw outputError(out, '--out', error);
        });
        io.stderr.write(`exported ${summary.rows} rows for ${summary.subjects} subjects to ${out}\n`);
      }
      return 0;
    } catch (error) {
      if (out && temp) {
        stream.destroy();
        await rm(temp, { force: true });
        if ((error as NodeJS.ErrnoException).syscall) throw outputError(out, '--out', error);
      }
      throw error;
    } finally {
      await registry.close();
    }
  },
};
