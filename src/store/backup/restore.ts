import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { RegistryError } from '../../errors.js';
import { AUDIT_CHAIN_LOCK, appendAudit, discardPendingRows } from '../audit.js';
import { formatAuditHead, readAuditHead } from '../audit-verify.js';
import { appliedMigrations } from '../migrate.js';
import type { Database } from '../schema.js';
import {
  type BackupSummary,
  backupInvalid,
  backupLines,
  describeTables,
  setExactTextFormats,
  type TableShape,
} from './backup-format.js';
import {
  type FileTable,
  type Inspected,
  inspectBackup,
  isTableLine,
  isTrailer,
  type Progress,
  parseJson,
} from './backup-inspect.js';
import type { BackupKey } from './backup-key.js';

const NL = Buffer.from('\n');
const BATCH = 1_000;

export interface RestoreOptions {
  /** The key the backup was made with (backup-key.ts). */
  key: BackupKey;
  /** Who restores and when, for the restore's audit event. */
  actor: string;
  at: Date;
  onProgress?: Progress;
}

/** Tables the application role may only append to: locked by the chain's advisory lock instead. */
const APPEND_ONLY = new Set(['audit_event', 'audit_row']);

/**
 * Restores a backup into an empty registry. The whole file is checked first (HMAC under the
 * registry's backup key, checksum, format, row counts, schema migrations) and nothing is written
 * if anything is wrong; then every table is loaded in one transaction, ids kept (so the audit
 * chain verifies, and its head must be the one the file names) and identity sequences reset; the
 * restore itself is the next event of the chain.
 */
export async function restoreDatabase(
  db: Kysely<Database>,
  file: string,
  o: RestoreOptions,
): Promise<BackupSummary> {
  const onProgress = o.onProgress;
  const anyDb = db as unknown as Kysely<unknown>;
  const inspected = await inspectBackup(file, o.key, onProgress);
  const here = await appliedMigrations(anyDb);
  if (here.join(',') !== inspected.migrations.join(',')) {
    throw backupInvalid(
      file,
      `it was made with schema migrations [${inspected.migrations.join(', ')}], this database has [${here.join(', ')}]`,
    );
  }
  const shapes = new Map((await describeTables(anyDb)).map((t) => [t.name, t]));
  for (const t of inspected.tables) {
    const shape = shapes.get(t.name);
    if (!shape) throw backupInvalid(file, `table ${t.name} does not exist in this database`);
    if ([...t.columns].sort().join(',') !== [...shape.columns].sort().join(',')) {
      throw backupInvalid(file, `the columns of ${t.name} differ from this database's`);
    }
  }
  const missing = [...shapes.keys()].filter((name) => !inspected.tables.some((t) => t.name === name));
  if (missing.length > 0) throw backupInvalid(file, `it has no table ${missing.join(', ')}`);

  await db.transaction().execute(async (trx) => {
    const t = trx as unknown as Kysely<unknown>;
    await setExactTextFormats(t);
    // No audit append and no other writer may slip in while the registry is being filled.
    await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_CHAIN_LOCK)}::bigint)`.execute(t);
    const lockable = inspected.tables.filter((x) => !APPEND_ONLY.has(x.name));
    await sql`lock table ${sql.join(lockable.map((x) => sql.table(x.name)))} in exclusive mode`.execute(t);
    const nonEmpty: string[] = [];
    for (const x of inspected.tables) {
      const { rows } = await sql<{
        any: boolean;
      }>`select exists (select from ${sql.table(x.name)}) as any`.execute(t);
      if (rows[0]?.any) nonEmpty.push(x.name);
    }
    if (nonEmpty.length > 0) {
      throw new RegistryError(
        'REGISTRY_NOT_EMPTY',
        `restore needs an empty registry; these tables have rows: ${nonEmpty.join(', ')}`,
      );
    }
    await load(t, file, inspected, shapes, onProgress);
    const head = formatAuditHead(await readAuditHead(trx));
    if (head !== inspected.auditHead) {
      throw backupInvalid(
        file,
        `its audit chain ends at ${head}, but its header says ${inspected.auditHead}`,
      );
    }
    // The restored rows are in the restored audit_row already; only the restore is new.
    await discardPendingRows(trx);
    await appendAudit(trx, {
      at: o.at,
      actor: o.actor,
      action: 'registry.restore',
      siteId: null,
      entity: 'backup',
      entityId: inspected.sha256,
      after: {
        rows: Object.fromEntries(inspected.tables.map((x) => [x.name, x.rows])),
        audit_head: inspected.auditHead,
        key_id: o.key.id,
      },
    });
  });
  return {
    tables: Object.fromEntries(inspected.tables.map((x) => [x.name, x.rows])),
    sha256: inspected.sha256,
    audit_head: inspected.auditHead,
  };
}

/** Second pass, inside the restore transaction: batched inserts, ids kept, then identities reset. */
async function load(
  trx: Kysely<unknown>,
  file: string,
  inspected: Inspected,
  shapes: Map<string, TableShape>,
  onProgress: Progress,
): Promise<void> {
  const hash = createHash('sha256');
  let current: FileTable | null = null;
  let batch: (string | null)[][] = [];
  let done = 0;
  const flush = async () => {
    if (!current || batch.length === 0) return;
    await insertRows(trx, current, shapes.get(current.name)!, batch);
    done += batch.length;
    batch = [];
    onProgress?.({ phase: 'load', table: current.name, done, total: inspected.total });
  };
  for await (const { bytes } of backupLines(file)) {
    const value = parseJson(bytes);
    if (isTrailer(value)) break;
    hash.update(bytes);
    hash.update(NL);
    if (Array.isArray(value) && current) {
      batch.push(value as (string | null)[]);
      if (batch.length >= BATCH) await flush();
    } else if (isTableLine(value)) {
      await flush();
      current = inspected.tables.find((t) => t.name === value.table) ?? null;
    }
  }
  await flush();
  if (hash.digest('hex') !== inspected.sha256)
    throw backupInvalid(file, 'the file changed while it was being restored');
  for (const t of inspected.tables) {
    for (const column of shapes.get(t.name)?.identity ?? []) {
      await sql`select setval(pg_get_serial_sequence(${t.name}, ${column}), coalesce(max(${sql.ref(column)}), 1),
        max(${sql.ref(column)}) is not null) from ${sql.table(t.name)}`.execute(trx);
    }
  }
}

/**
 * One statement per batch with one text[] parameter per column, cast to the column's type on the
 * server: far fewer parameters than a VALUES list, and PostgreSQL's own input functions parse.
 */
function insertRows(trx: Kysely<unknown>, t: FileTable, shape: TableShape, rows: (string | null)[][]) {
  const index = new Map(shape.columns.map((c, i) => [c, i]));
  const arrays = t.columns.map((_, i) => rows.map((r) => r[i] ?? null));
  const casts = t.columns.map((c, i) => sql`${sql.ref(`u.c${i}`)}::${sql.raw(shape.types[index.get(c)!]!)}`);
  const unnest = sql.join(arrays.map((a) => sql`${a}::text[]`));
  const aliases = sql.join(t.columns.map((_, i) => sql.ref(`c${i}`)));
  const overriding = shape.identity.length > 0 ? sql` overriding system value` : sql``;
  return sql`insert into ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.ref(c)))})${overriding}
    select ${sql.join(casts)} from unnest(${unnest}) as u(${aliases})`.execute(trx);
}
