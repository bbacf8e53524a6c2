import { type Kysely, sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { type CanonicalAuditEvent, GENESIS_HASH, hashAuditEvent, normaliseJson } from './audit-hash.js';
import type { Database } from './schema.js';

export interface AuditInput {
  at: Date;
  actor: string;
  action: string;
  siteId: string | null;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * Key of the transaction-level advisory lock that serialises the chain. Cost: one chain means one
 * writer at a time from taking the lock to COMMIT (the commit's WAL flush included), so audited
 * writes are serial; append last in a transaction to keep that window short.
 */
export const AUDIT_CHAIN_LOCK = 5_349_465_201;

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The patient tables audited at row level, with the column that names a row. Their triggers
 * (migration 0002-row-audit) queue every changed row in audit_pending; appendAuditBatch moves the
 * transaction's queue into audit_row under its event.
 */
export const AUDITED_TABLES: Readonly<Record<string, string>> = {
  site: 'id',
  app_user: 'id',
  subject: 'study_id',
  subject_identity: 'study_id',
  response: 'id',
  query: 'id',
  // From 0003-visit.
  visit: 'id',
  // From 0005-clinical-workflow.
  query_message: 'id',
  signature: 'id',
  sdv: 'id',
};

/**
 * The transaction's queued rows, one per (table, key) with its last state (hash null: deleted).
 * Kept as one SQL fragment: the digest at append time and at verification read the same rows.
 */
const PENDING_ROWS = sql`
  select distinct on (p.tbl, k.key) p.tbl, k.key, k.hash
  from audit_pending p cross join lateral unnest(p.keys, p.hashes) with ordinality as k(key, hash, ord)
  where p.txid = txid_current()
  order by p.tbl, k.key, p.id desc, k.ord desc`;

/**
 * sha256 over the sorted lines "table TAB key TAB hash-or-dash" of rows aliased r, in C order
 * (the same on every server, whatever its collation). Used at append and by audit verify.
 */
export const ROWS_DIGEST = sql`encode(sha256(convert_to(string_agg(r.tbl || E'\t' || r.key || E'\t' || coalesce(r.hash, '-'), E'\n'
  order by r.tbl collate "C", r.key collate "C"), 'UTF8')), 'hex')`;

/**
 * Queues every current row of the audited tables in this transaction (a baseline, e.g. when the
 * row-level audit is introduced). Returns whether there was any row.
 */
export async function captureAllRows(
  trx: Transaction<Database>,
  tables: Readonly<Record<string, string>> = AUDITED_TABLES,
): Promise<boolean> {
  await sql`set local timezone to 'UTC'`.execute(trx);
  await sql`set local extra_float_digits to 1`.execute(trx);
  let any = false;
  for (const [table, key] of Object.entries(tables)) {
    const result = await sql`insert into audit_pending (tbl, keys, hashes)
      select ${table}, array_agg(t.${sql.ref(key)}::text), array_agg(audit_row_hash(to_jsonb(t)))
      from ${sql.table(table)} t having count(*) > 0`.execute(trx);
    if (Number(result.numAffectedRows ?? 0) > 0) any = true;
  }
  return any;
}

/** Drops the rows this transaction queued (a restore: the restored audit_row already holds them). */
export async function discardPendingRows(trx: Transaction<Database>): Promise<void> {
  await sql`delete from audit_pending where txid = txid_current()`.execute(trx);
}

/**
 * Appends one event to the hash chain inside the caller's transaction (a plain Kysely instance
 * gets a transaction of its own). Returns the new row's id and hash.
 */
export async function appendAudit(db: Db, event: AuditInput): Promise<{ id: number; hash: string }> {
  const [first] = await appendAuditBatch(db, [event]);
  return first!;
}

/** The columns of audit_event an append writes, the id included (taken under the chain lock). */
const EVENT_COLUMNS = [
  'id',
  'at',
  'actor',
  'action',
  'site_id',
  'entity',
  'entity_id',
  'before',
  'after',
  'reason',
  'rows_digest',
  'prev_hash',
  'hash',
] as const;

/** Appends several events in order under one lock, with multi-row inserts (imports, demo data). */
export async function appendAuditBatch(
  db: Db,
  events: readonly AuditInput[],
): Promise<{ id: number; hash: string }[]> {
  if (events.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAuditBatch(trx, events));
  const canonical = events.map(toCanonical);
  await lockChain(db);
  // A new statement after the lock: under READ COMMITTED it sees the last committed head. The
  // events' ids are taken here too, under the lock (so they still follow the chain and the commit
  // order), so that the rows can be filed under the last event before it is written.
  const state = await sql<{ head: string | null; ids: (string | number)[] }>`
    select (select hash from audit_event order by id desc limit 1) as head,
      array(select nextval(q.seq) from (select pg_get_serial_sequence('audit_event', 'id')::regclass as seq) q,
        generate_series(1, ${events.length}::int) order by 1) as ids`.execute(db);
  let prev = state.rows[0]?.head ?? GENESIS_HASH;
  const ids = (state.rows[0]?.ids ?? []).map(Number);
  if (ids.length !== events.length) throw new RegistryError('INTERNAL', 'audit event ids could not be taken');
  // The rows this transaction changed are in the chain through the last event's hash: one pass over
  // the queue files them under that event and digests them.
  const pending = await sql<{ n: number | string; digest: string | null }>`
    with r as materialized (${PENDING_ROWS}),
    moved as (insert into audit_row (event_id, tbl, key, hash) select ${ids.at(-1)!}::bigint, r.tbl, r.key, r.hash from r)
    select count(*) as n, ${ROWS_DIGEST} as digest from r`.execute(db);
  if (Number(pending.rows[0]?.n ?? 0) > 0) {
    canonical[canonical.length - 1]!.rows_digest = pending.rows[0]!.digest!;
    await discardPendingRows(db as Transaction<Database>);
  }
  const rows = canonical.map((c, i) => {
    const hash = hashAuditEvent(prev, c);
    const row = {
      ...c,
      id: ids[i]!,
      rows_digest: c.rows_digest ?? null,
      before: jsonText(c.before),
      after: jsonText(c.after),
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => sql`(${sql.join(EVENT_COLUMNS.map((c) => r[c]))})`);
    await sql`insert into audit_event (${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))}) overriding system value
      values ${sql.join(values)}`.execute(db);
  }
  return rows.map((r) => ({ id: r.id, hash: r.hash }));
}

async function lockChain(trx: Db): Promise<void> {
  const { rows } = await sql<{ isolation: string }>`
    select current_setting('transaction_isolation') as isolation, pg_advisory_xact_lock(${sql.lit(AUDIT_CHAIN_LOCK)}::bigint)
  `.execute(trx);
  // Under REPEATABLE READ the snapshot predates the lock and could miss the latest head: a fork.
  if (rows[0]?.isolation !== 'read committed') {
    throw new RegistryError('INTERNAL', 'audit events must be appended in a READ COMMITTED transaction');
  }
}

function toCanonical(e: AuditInput): CanonicalAuditEvent {
  if (!(e.at instanceof Date) || Number.isNaN(e.at.getTime())) {
    throw new RegistryError('INTERNAL', `audit event ${e.action} has no valid time`);
  }
  return {
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    site_id: e.siteId ?? null,
    entity: e.entity,
    entity_id: String(e.entityId),
    before: normaliseJson(e.before),
    after: normaliseJson(e.after),
    reason: e.reason ?? null,
  };
}

function jsonText(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
