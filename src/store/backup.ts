import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Kysely, sql, type Transaction } from 'kysely';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupHeader,
  type BackupProgress,
  type BackupSummary,
  describeTables,
  setExactTextFormats,
  type TableShape,
} from './backup-format.js';
import { appliedMigrations } from './migrate.js';
import type { Database } from './schema.js';

export type { BackupProgress, BackupSummary } from './backup-format.js';

const FETCH = 1_000;

/**
 * Writes a consistent logical snapshot of every table to `file` (gzip'd NDJSON, see
 * backup-format.ts): one REPEATABLE READ READ ONLY transaction, streamed through a cursor, so
 * writers keep working and memory stays flat. The file (mode 0600: it holds identifiers) appears
 * under its name only when complete.
 */
export async function backupDatabase(
  db: Kysely<Database>,
  file: string,
  onProgress?: (p: BackupProgress) => void,
): Promise<BackupSummary> {
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  try {
    const summary = await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => writeSnapshot(trx, partial, onProgress));
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    await rename(partial, file);
    return summary;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function writeSnapshot(
  trx: Transaction<Database>,
  file: string,
  onProgress?: (p: BackupProgress) => void,
): Promise<BackupSummary> {
  const anyTrx = trx as unknown as Kysely<unknown>;
  await setExactTextFormats(anyTrx);
  const tables = await describeTables(anyTrx);
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: new Date().toISOString(),
    schema_migrations: await appliedMigrations(anyTrx),
  };
  let total = 0;
  for (const t of tables) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(t.name)}`.execute(trx);
    total += Number(rows[0]?.n ?? 0);
  }

  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(file, { mode: 0o600 }));
  done.catch(() => {}); // awaited below; this only keeps an early failure from being unhandled
  const hash = createHash('sha256');
  const write = async (text: string) => {
    hash.update(text);
    if (!gzip.write(text)) await Promise.race([once(gzip, 'drain'), done]);
  };

  await write(`${JSON.stringify(header)}\n`);
  const counts: Record<string, number> = {};
  let written = 0;
  for (const t of tables) {
    await write(`${JSON.stringify({ table: t.name, columns: t.columns })}\n`);
    let count = 0;
    await sql`declare sifreg_backup no scroll cursor for ${selectAsText(t)}`.execute(trx);
    for (;;) {
      const { rows } = await sql<
        Record<string, string | null>
      >`fetch forward ${sql.lit(FETCH)} from sifreg_backup`.execute(trx);
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) chunk += `${JSON.stringify(t.columns.map((_, i) => row[`c${i}`] ?? null))}\n`;
      await write(chunk);
      count += rows.length;
      written += rows.length;
      onProgress?.({ phase: 'read', table: t.name, done: written, total });
    }
    await sql`close sifreg_backup`.execute(trx);
    counts[t.name] = count;
  }
  const sha256 = hash.digest('hex');
  gzip.end(`${JSON.stringify({ trailer: true, tables: counts, sha256 })}\n`);
  await done;
  return { tables: counts, sha256 };
}

/** Every column as its text form (exact round trip), aliased c0…cN, in primary-key order. */
function selectAsText(t: TableShape) {
  const columns = sql.join(t.columns.map((c, i) => sql`${sql.ref(c)}::text as ${sql.ref(`c${i}`)}`));
  const order =
    t.primaryKey.length > 0 ? sql` order by ${sql.join(t.primaryKey.map((c) => sql.ref(c)))}` : sql``;
  return sql`select ${columns} from ${sql.table(t.name)}${order}`;
}
