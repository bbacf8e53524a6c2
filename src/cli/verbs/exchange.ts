import { once } from 'node:events';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { RegistryError } from '../../errors.js';
import { parseVerbArgs, UsageError } from '../args.js';
import { checkOutputFile, outputError } from '../output-file.js';
import type { Verb } from '../verb.js';

const FORMATS = ['tidy'] as const;

export const IMPORT: Verb = {
  name: 'import',
  help: `Usage: sifreg import FILE.csv [--dry-run] [--data-dir DIR]

Header: study_id,site,visit,instrument,instance,item,value (one row per answered item).
Every row is checked before anything is written; if any row is bad, nothing is imported and each
problem is printed with its line, column and reason. --dry-run only checks.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, { 'dry-run': { type: 'boolean' } }, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('import needs the CSV FILE to read');
    let text: string;
    try {
      text = await readFile(path.resolve(io.cwd, file), 'utf8');
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
    const { openRegistry } = await import('../open-registry.js');
    const { importTidy, SYSTEM_ACTOR } = await import('../../registry/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      mustExist: values['dry-run'] ? 'a dry run' : undefined,
    });
    try {
      const bar = progressBar(io, 'importing');
      try {
        const summary = await importTidy(registry.deps, SYSTEM_ACTOR, text, {
          dryRun: Boolean(values['dry-run']),
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
          for (const issue of error.issues) io.stderr.write(`${issue.message}\n`);
        }
        throw error;
      }
    } finally {
      await registry.close();
    }
  },
};

async function writeTo(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export const EXPORT: Verb = {
  name: 'export',
  help: `Usage: sifreg export --format tidy [--out FILE] [--data-dir DIR]

Streams one row per answered item (study_id,site,visit,instrument,instance,item,value), ordered by
study id, visit, instrument, instance and item; the same data always gives the same file, and the
file imports into an empty registry. Without --out, writes to standard output. Direct identifiers are
never exported. Every export is recorded in the audit trail.`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, { format: { type: 'string' }, out: { type: 'string' } });
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
