import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import { RegistryError } from '../../errors.js';

/**
 * A backup is gzip'd NDJSON: a header line, then for each table (in foreign-key order) a line
 * `{"table","columns"}` followed by one JSON array per row (every value as PostgreSQL's text form,
 * or null), then a trailer with the row counts, the sha256 of every preceding uncompressed byte
 * (damage) and their HMAC-SHA256 under the registry's backup key (forgery; backup-key.ts).
 * Version 2 added the HMAC, the key id and the audit chain head.
 */
export const BACKUP_FORMAT = 'sifreg-backup';
export const BACKUP_VERSION = 2;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  created_at: string;
  schema_migrations: string[];
  /** Fingerprint of the key the trailer's HMAC needs. */
  key_id: string;
  /** The audit chain head in this snapshot, `COUNT:HASH`: an anchor for `audit verify --expect-head`. */
  audit_head: string;
}

export interface BackupTrailer {
  trailer: true;
  tables: Record<string, number>;
  sha256: string;
  hmac: string;
}

export interface BackupSummary {
  tables: Record<string, number>;
  sha256: string;
  /** The audit chain head the file holds, `COUNT:HASH`. */
  audit_head: string;
}

/**
 * Tables a backup leaves out: the audit triggers' queue of transactions in progress, the report's
 * narrow copy of each form (cohort_form, rebuilt by its triggers as response is restored), and the
 * subjects' progress that triggers derive from response and visit (rebuilt as those are restored),
 * and the dashboard's per-subject care counts (counted again on its first read).
 */
export const TRANSIENT_TABLES = [
  'audit_pending',
  'subject_progress',
  'cohort_form',
  'care_tally',
  'care_tally_state',
];

export interface BackupProgress {
  /** 'read' while writing a backup; 'verify' then 'load' while restoring. */
  phase: 'read' | 'verify' | 'load';
  table: string;
  /** Rows so far over all tables. */
  done: number;
  /** All rows, when known. */
  total: number | null;
}

export interface TableShape {
  name: string;
  columns: string[];
  /** Type of each column without its modifier (the insert applies that), for text → value casts. */
  types: string[];
  identity: string[];
  primaryKey: string[];
}

/** The columns a table's rows are read in order of: its primary key, or every column (audit_row has none). */
export function rowOrder(t: TableShape): string[] {
  return t.primaryKey.length > 0 ? t.primaryKey : t.columns;
}

// Text forms that read back exactly: ISO dates in UTC, shortest exact floats, hex bytea.
export async function setExactTextFormats(db: Kysely<unknown>): Promise<void> {
  await sql`select set_config('datestyle', 'ISO, YMD', true), set_config('timezone', 'UTC', true),
    set_config('intervalstyle', 'postgres', true), set_config('extra_float_digits', '1', true),
    set_config('bytea_output', 'hex', true)`.execute(db);
}

/** The registry's tables (all of the current schema but Kysely's own), parents before children. */
export async function describeTables(db: Kysely<unknown>): Promise<TableShape[]> {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
      and c.relname not in ('kysely_migration', 'kysely_migration_lock') and c.relname <> all (${TRANSIENT_TABLES}::text[])
    order by c.relname`.execute(db);
  const columns = await sql<{
    table: string;
    name: string;
    type: string;
    identity: boolean;
    pk: number | null;
  }>`
    select c.relname as table, a.attname as name, format_type(a.atttypid, null) as type,
           a.attidentity <> '' as identity,
           array_position(i.indkey::int2[], a.attnum) as pk
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    left join pg_index i on i.indrelid = c.oid and i.indisprimary
    where c.relnamespace = current_schema()::regnamespace and a.attnum > 0 and not a.attisdropped
      and a.attgenerated = ''
    order by c.relname, a.attnum`.execute(db);
  const edges = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
    where k.contype = 'f' and c.relnamespace = current_schema()::regnamespace`.execute(db);
  const shapes = new Map<string, TableShape>(
    tables.rows.map((t) => [t.name, { name: t.name, columns: [], types: [], identity: [], primaryKey: [] }]),
  );
  const pkOrder = new Map<string, number>();
  for (const col of columns.rows) {
    const shape = shapes.get(col.table);
    if (!shape) continue;
    shape.columns.push(col.name);
    shape.types.push(col.type);
    if (col.identity) shape.identity.push(col.name);
    if (col.pk !== null) {
      shape.primaryKey.push(col.name);
      pkOrder.set(`${col.table}.${col.name}`, col.pk);
    }
  }
  for (const s of shapes.values()) {
    s.primaryKey.sort((a, b) => (pkOrder.get(`${s.name}.${a}`) ?? 0) - (pkOrder.get(`${s.name}.${b}`) ?? 0));
  }
  // Topological order, ties alphabetical, so the same schema always gives the same file.
  const ordered: TableShape[] = [];
  const pending = new Set(shapes.keys());
  while (pending.size > 0) {
    const ready = [...pending].filter((t) =>
      edges.rows.every((e) => e.child !== t || e.parent === t || !pending.has(e.parent)),
    );
    const next = ready.length > 0 ? ready : [...pending]; // a cycle: keep going, the FK check will tell
    for (const t of next.sort()) {
      ordered.push(shapes.get(t)!);
      pending.delete(t);
    }
  }
  return ordered;
}

export function backupInvalid(file: string, problem: string): RegistryError {
  return new RegistryError('BACKUP_INVALID', `${file} is not a usable backup: ${problem}`);
}

/**
 * The uncompressed lines of a backup file, without their newline. A final line without a newline
 * is yielded with `complete: false` (the writer ends every line with one).
 */
export async function* backupLines(file: string): AsyncGenerator<{ bytes: Buffer; complete: boolean }> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        yield { bytes: buf.subarray(start, nl), complete: true };
        start = nl + 1;
      }
      rest = buf.subarray(start);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw backupInvalid(file, 'the file does not exist');
    if (e.code === 'Z_BUF_ERROR') throw backupInvalid(file, 'the file is truncated');
    if (e.code?.startsWith('Z_')) throw backupInvalid(file, 'the file is not gzip data or is damaged');
    throw backupInvalid(file, e.message);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (rest.length > 0) yield { bytes: rest, complete: false };
}
