import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit.js';
import { formatAuditHead, readAuditHead } from '../audit-verify.js';
import { appliedMigrations } from '../migrate.js';
import type { Database } from '../schema.js';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupHeader,
  type BackupProgress,
  type BackupSummary,
  describeTables,
  rowOrder,
  setExactTextFormats,
  type TableShape,
} from './backup-format.js';
import type { BackupKey } from './backup-key.js';

export type { BackupProgress, BackupSummary } from './backup-format.js';

const FETCH = 1_000;

export interface BackupOptions {
  /** The registry's backup key (backup-key.ts): the file is authenticated with it. */
  key: BackupKey;
  /** Who made the backup and when, for its audit event. */
  actor: string;
  at: Date;
  onProgress?: ((p: BackupProgress) => void) | undefined;
}

/**
 * Writes a consistent logical snapshot of every table to `file` (gzip'd NDJSON, see
 * backup-format.ts): one REPEATABLE READ READ ONLY transaction, streamed through a cursor, so
 * writers keep working and memory stays flat. The file (mode 0600: it holds identifiers and
 * password hashes) appears under its name only when complete, and only then is the backup audited.
 */
export async function backupDatabase(
  db: Kysely<Database>,
  file: string,
  o: BackupOptions,
): Promise<BackupSummary> {
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  let summary: BackupSummary;
  try {
    summary = await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => writeSnapshot(trx, partial, o));
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  // A backup nobody can see in the trail must not exist: without its event, the file goes.
  await appendAudit(db, {
    at: o.at,
    actor: o.actor,
    action: 'registry.backup',
    siteId: null,
    entity: 'backup',
    entityId: summary.sha256,
    after: { rows: summary.tables, audit_head: summary.audit_head, key_id: o.key.id },
  }).catch(async (error: unknown) => {
    await rm(file, { force: true });
    throw error;
  });
  return summary;
}

async function writeSnapshot(
  trx: Transaction<Database>,
  file: string,
  o: BackupOptions,
): Promise<BackupSummary> {
  const onProgress = o.onProgress;
  const anyTrx = trx as unknown as Kysely<unknown>;
  await setExactTextFormats(anyTrx);
  const tables = await describeTables(anyTrx);
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: new Date().toISOString(),
    schema_migrations: await appliedMigrations(anyTrx),
    key_id: o.key.id,
    audit_head: formatAuditHead(await readAuditHead(trx)),
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
  const hmac = createHmac('sha256', o.key.key);
  const write = async (text: string) => {
    hash.update(text);
    hmac.update(text);
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
  gzip.end(`${JSON.stringify({ trailer: true, tables: counts, sha256, hmac: hmac.digest('hex') })}\n`);
  await done;
  return { tables: counts, sha256, audit_head: header.audit_head };
}

/** Every column as its text form (exact round trip), aliased c0…cN, in a fixed order (rowOrder). */
function selectAsText(t: TableShape) {
  const columns = sql.join(t.columns.map((c, i) => sql`${sql.ref(c)}::text as ${sql.ref(`c${i}`)}`));
  return sql`select ${columns} from ${sql.table(t.name)} order by ${sql.join(rowOrder(t).map((c) => sql.ref(c)))}`;
}
