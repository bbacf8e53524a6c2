// Import part of `npm run bench` (alone: `npm run bench -- --only import`): writes the synthetic
// cohort as single tidy CSV files of about 1 M and 13 M rows, and for each, on a new embedded
// registry: a bare COPY of the same rows into a plain table (the floor), then `sifreg import FILE`
// as a child process under /usr/bin/time -v (wall time and peak RSS of the whole command).
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { CopyIn } from '../src/registry/copy-in.js';
import { demoCohortChunks } from '../src/registry/index.js';
import { openDatabase } from '../src/store/index.js';

export interface ImportMeasure {
  rows: number;
  megabytes: number;
  copySeconds: number;
  importSeconds: number;
  importPeakMb: number;
  /** 1-minute load average before the bare COPY and after the import (a shared machine). */
  load: [number, number];
}

const ROWS_PER_SUBJECT = 132; // the cohort's average, to size the files

async function writeCohort(file: string, subjects: number, today: string): Promise<number> {
  const out = createWriteStream(file);
  let rows = 0;
  let first = true;
  for (const chunk of demoCohortChunks(subjects, 2026, today, 2000)) {
    const text = first ? chunk : chunk.slice(chunk.indexOf('\n') + 1);
    first = false;
    for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) rows++;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows - 1;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Bare COPY of the file's rows (CSV, header skipped) into a plain logged table; seconds. */
async function bareCopy(dataDir: string, file: string): Promise<number> {
  const handle = await openDatabase({ dataDir });
  try {
    const start = process.hrtime.bigint();
    await handle.db.transaction().execute(async (trx) => {
      // A temporary table: the application role may not create tables, and the import stages into one too.
      await sql`create temp table bare_copy (study_id text, site text, visit text, instrument text,
        instance int, item text, value text) on commit drop`.execute(trx);
      const copy = await CopyIn.start(trx, 'copy bare_copy from stdin with (format csv, header true)');
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        await copy.writeBytes(chunk as Buffer);
      }
      await copy.end();
    });
    return seconds(start);
  } finally {
    await handle.close();
  }
}

/** `sifreg import FILE` in a child process under /usr/bin/time -v: wall seconds and peak RSS (MB). */
function timedImport(dataDir: string, file: string): { seconds: number; peakMb: number } {
  const bin = path.resolve(import.meta.dirname, '..', 'bin', 'sifreg.js');
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const start = process.hrtime.bigint();
  const run = spawnSync(
    '/usr/bin/time',
    ['-v', process.execPath, bin, 'import', file, '--data-dir', dataDir],
    {
      encoding: 'utf8',
      env,
      maxBuffer: 1 << 26,
    },
  );
  const took = seconds(start);
  if (run.status !== 0) throw new Error(`import failed: ${run.stdout}\n${run.stderr.slice(-4000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1] ?? Number.NaN);
  return { seconds: took, peakMb: kb / 1024 };
}

/** Measures the import of about `targets` rows each; returns one measure per file. */
export async function benchImport(
  outDir: string,
  today: string,
  targets: number[],
): Promise<ImportMeasure[]> {
  const measures: ImportMeasure[] = [];
  for (const target of targets) {
    const file = path.join(outDir, `tidy-${Math.round(target / 1e6)}m.csv`);
    const subjects = Math.ceil(target / ROWS_PER_SUBJECT);
    process.stderr.write(`writing ${file} (${subjects.toLocaleString('en')} subjects)…\n`);
    const rows = await writeCohort(file, subjects, today);
    const megabytes = (await stat(file)).size / 2 ** 20;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sifreg-bench-import-'));
    try {
      const loadBefore = os.loadavg()[0]!;
      const copySeconds = await bareCopy(dataDir, file);
      process.stderr.write(`bare COPY of ${rows.toLocaleString('en')} rows: ${copySeconds.toFixed(1)} s\n`);
      const { seconds: importSeconds, peakMb } = timedImport(dataDir, file);
      process.stderr.write(
        `sifreg import: ${importSeconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB\n`,
      );
      measures.push({
        rows,
        megabytes,
        copySeconds,
        importSeconds,
        importPeakMb: peakMb,
        load: [loadBefore, os.loadavg()[0]!],
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(file, { force: true });
    }
  }
  return measures;
}

/** The BENCHMARKS.md section for the import measures. */
export function importSection(measures: ImportMeasure[], machine: string): string {
  const rate = (rows: number, s: number) => `${Math.round(rows / s).toLocaleString('en')} rows/s`;
  const lines = measures.map(
    (m) =>
      `| ${m.rows.toLocaleString('en')} (${m.megabytes.toFixed(0)} MB) | ${m.copySeconds.toFixed(1)} s = ${rate(m.rows, m.copySeconds)} | ${m.importSeconds.toFixed(1)} s = **${rate(m.rows, m.importSeconds)}** | **${m.importPeakMb.toFixed(0)} MB** | ${m.load[0].toFixed(1)} / ${m.load[1].toFixed(1)} |`,
  );
  return `## Tidy CSV import, one file

| rows (file size) | bare COPY of the same rows | \`sifreg import FILE\` (all-or-nothing) | peak RSS of the import | load average (1 min) before / after |
|---|---|---|---|---|
${lines.join('\n')}

Budgets: ≥ 150,000 rows/s on the 13 M-row file, peak RSS < 300 MB at any size. The import is the
real command (\`node bin/sifreg.js import FILE --data-dir DIR\`, process start included) on a new
registry, under \`/usr/bin/time -v\` (peak RSS of the command's process). It streams the file
through the strict CSV reader. A file that gives each subject's rows together (the registry's
export, this synthetic cohort, most systems' exports) is walked as it is read: each subject's rows
are put in study order in memory, every form is validated and scored with the instruments' code,
and each batch of 2,500 forms is written while the next is read. Any other file is read a second
time from a private kept copy, COPYed into a temporary staging table and walked from there with a
cursor in study order. All in one transaction with its audit events. The bare COPY is the floor:
the same file parsed by PostgreSQL into a plain temporary 7-column table (no WAL, no checks), in
the same run.

Where the time goes (1 M-row file, 169,276 forms; CPU seconds of the import's process and of its
database backend, in-process runs back to back on 2026-11-30 at load 12–13 on 2 cores, nice -10):

| | process CPU | server CPU | wall |
|---|---|---|---|
| staged and walked with a cursor (before) | 16.8 s | 27 s | 121 s |
| read as it goes (now) | 11.5 s | 21 s | 99 s |
| staged, without migration 0006-subject-progress | 15.8 s | 9 s | 55 s |

Reading as it goes saves the staging COPY, the cursor's fetches and, in this process, turning
1 M fetched rows into objects (a third of its garbage collection). The largest phase is now the
server's: since 0006-subject-progress every statement that writes forms or visits refreshes
\`subject_progress\` for its subjects in a trigger (twice per subject per batch: the visits' insert
and the forms' COPY), and \`response\` has six indexes to maintain. Worse, that refresh grows with
the table: on a new registry (\`response\` never analysed, and an import is one transaction) the
planner reads a subject's unsigned forms through \`response_unsigned_idx (site_id, instrument,
study_id)\`, scanning that whole index for every subject refreshed (EXPLAIN on a new registry;
\`perf\` of the backend during the 13 M-row import: most samples in \`_bt_readpage\`,
\`_bt_checkkeys\`, \`index_getattr\`). The import is then quadratic in its forms: the 13 M-row run was
stopped after 19 minutes, its backend at 6 minutes of CPU and the process at 43 s (about a third of
the file).
Measured on the 1 M-row file (same harness, load 4–6): with an index led by \`study_id\` for that
read, the server's CPU fell from 20 s to 8 s (wall 26.5 s to 20.6 s); with the refresh rewritten as one
grouped read per statement (0015-subject-progress-by-index, being written at the time) to 7 s, the
process then at 9.7 s. The process is then the larger side, and it waits for the server 60 % of its
wall time: each batch's checks and small writes are awaited one by one on the one connection (Kysely
sends a transaction's statements one at a time), so they overlap the walk only while the forms' COPY
runs.
The 13 M-row file with that rewrite (in-process harness, 18:27–18:35, load 7.5–10.7, nice -10): 463.5 s =
28,058 rows/s, server CPU 112 s and process CPU 102 s (8.6 and 7.9 s per 1 M rows: linear again),
peak RSS of the harness process 365 MB, of which its TypeScript loader is about 60 MB; live heap
after a full collection stays near 50 MB on 1 M rows, the rest is collector slack (V8 lets the old
space grow to about four times the live heap), so the 300 MB budget holds with little room.
The real command on that 13 M-row file (18:35–18:47, after 0015 was registered): with batches of
5,000 forms peak RSS 301 MB, over the budget; with 2,500 (now) 260 MB, 223.6 s = 58,163 rows/s at
load 4.7 (the two runs were at different loads, so their times are not an A/B).

What the budget needs on this machine: 150,000 rows/s is 6.7 s per 1 M rows, but this process alone
spends 11.5 s of CPU per 1 M rows (read, check, validate, score, build the COPY text: about 87,000
rows/s on one core) and the server 21 s (9 s before 0006); the floor, a bare COPY, is 1 s. In order:
an index led by \`study_id\` for the refresh (or one refresh per import), the audit rows' digest
computed once (\`appendAuditBatch\` evaluates the transaction's pending rows twice: 0.7 s per 1 M
rows), then the per-form work of both sides. The embedded server now spaces checkpoints
(max_wal_size 4GB, checkpoint_timeout 15min, wal_buffers 16MB; fsync on), not measured on its own.
Peak RSS rose from 221 MB to 265 MB on 1 M rows: reading, validating and writing now overlap.

Measured by \`npm run bench -- --only import\` (bench/import-bench.ts) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${machine}; embedded PostgreSQL (fsync on).
`;
}
