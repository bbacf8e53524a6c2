import { type Kysely, sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { type CanonicalAuditEvent, GENESIS_HASH, hashAuditEvent, normaliseJson } from './audit-hash.js';
import { type PipelineStep, type StepRows, sendPipelined } from './pipelined.js';
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
 * Sorted in the digest's order (ROWS_DIGEST, C collation), so that PostgreSQL 17 feeds them to the
 * digest as they come instead of sorting them a second time (2 s of a 13 M-row import's end).
 */
const PENDING_ROWS = sql`
  select distinct on (p.tbl collate "C", k.key collate "C") p.tbl, k.key, k.hash
  from audit_pending p cross join lateral unnest(p.keys, p.hashes) with ordinality as k(key, hash, ord)
  where p.txid = txid_current()
  order by p.tbl collate "C", k.key collate "C", p.id desc, k.ord desc`;

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

/** The SQL types of those columns. */
const EVENT_TYPES: Record<(typeof EVENT_COLUMNS)[number], string> = {
  id: 'bigint',
  at: 'timestamptz',
  actor: 'text',
  action: 'text',
  site_id: 'text',
  entity: 'text',
  entity_id: 'text',
  before: 'jsonb',
  after: 'jsonb',
  reason: 'text',
  rows_digest: 'text',
  prev_hash: 'text',
  hash: 'text',
};

/** Appends several events in order under one lock, with multi-row inserts (imports, demo data). */
export async function appendAuditBatch(
  db: Db,
  events: readonly AuditInput[],
): Promise<{ id: number; hash: string }[]> {
  if (events.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAuditBatch(trx, events));
  const canonical = events.map(toCanonical);
  const { head, ids, digest } = await startAppend(db, events.length);
  const rows = chainEvents(head, ids, canonical, { id: ids.at(-1)!, digest });
  // One array per column (one parameter each, whatever the number of events), in chunks.
  for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
    await insertEvents(rows.slice(i, i + EVENTS_PER_INSERT)).execute(db);
  }
  return rows.map((r) => ({ id: r.id, hash: r.hash }));
}

const EVENTS_PER_INSERT = 5000;

/** Where {@link appendAuditStream} reads its events, a chunk at a time. */
export interface AuditSource {
  /** Events to append. */
  count: number;
  /** The statement that reads the chunk of events after the first `after`. */
  read(after: number): PipelineStep;
  /** Those rows as events, in order (at least one). */
  events(rows: StepRows, after: number): AuditInput[];
}

/**
 * Appends many events in order under one lock, read in chunks (an import's events, one per subject):
 * their ids are taken at once and the chain is hashed here, and each chunk's insert goes to the
 * server in one message with the read of the next chunk, so that the next chunk is hashed while the
 * server inserts this one. As with appendAuditBatch, the rows the transaction changed are filed
 * under the last event.
 */
export async function appendAuditStream(trx: Transaction<Database>, source: AuditSource): Promise<void> {
  if (source.count === 0) return;
  const { head, ids, digest } = await startAppend(trx, source.count);
  const filed = { id: ids.at(-1)!, digest };
  let prev = head;
  let done = 0;
  let next = sendPipelined(trx, [source.read(0)]).steps[0]!;
  const sent: Promise<void>[] = [];
  while (done < source.count) {
    const events = source.events(await next, done);
    if (events.length === 0 || done + events.length > source.count)
      throw new RegistryError('INTERNAL', 'the audit events read do not match their count');
    const rows = chainEvents(prev, ids.slice(done, done + events.length), events.map(toCanonical), filed);
    prev = rows.at(-1)!.hash;
    done += events.length;
    const insert = insertEvents(rows).compile(trx);
    const steps: PipelineStep[] = [{ sql: insert.sql, parameters: insert.parameters }];
    if (done < source.count) steps.unshift(source.read(done));
    const pipeline = sendPipelined(trx, steps);
    sent.push(pipeline.done);
    if (done < source.count) next = pipeline.steps[0]!;
  }
  await Promise.all(sent);
}

/**
 * Takes the chain lock, the head and `count` event ids (under the lock, so they follow the chain and
 * the commit order), and files the rows this transaction changed under the last of those ids. The
 * rows digest goes into that event (chainEvents).
 */
async function startAppend(
  db: Db,
  count: number,
): Promise<{ head: string; ids: number[]; digest: string | null }> {
  await lockChain(db);
  // A new statement after the lock: under READ COMMITTED it sees the last committed head.
  const state = await sql<{ head: string | null; ids: (string | number)[] }>`
    select (select hash from audit_event order by id desc limit 1) as head,
      array(select nextval(q.seq) from (select pg_get_serial_sequence('audit_event', 'id')::regclass as seq) q,
        generate_series(1, ${count}::int) order by 1) as ids`.execute(db);
  const head = state.rows[0]?.head ?? GENESIS_HASH;
  const ids = (state.rows[0]?.ids ?? []).map(Number);
  if (ids.length !== count) throw new RegistryError('INTERNAL', 'audit event ids could not be taken');
  // The rows this transaction changed are in the chain through the last event's hash: one pass over
  // the queue files them under that event and digests them.
  const pending = await sql<{ n: number | string; digest: string | null }>`
    with r as materialized (${PENDING_ROWS}),
    moved as (insert into audit_row (event_id, tbl, key, hash) select ${ids.at(-1)!}::bigint, r.tbl, r.key, r.hash from r)
    select count(*) as n, ${ROWS_DIGEST} as digest from r`.execute(db);
  let digest: string | null = null;
  if (Number(pending.rows[0]?.n ?? 0) > 0) {
    digest = pending.rows[0]!.digest!;
    await discardPendingRows(db as Transaction<Database>);
  }
  return { head, ids, digest };
}

/** An event as audit_event stores it. */
type EventRow = Record<(typeof EVENT_COLUMNS)[number], string | number | null> & { id: number; hash: string };

/**
 * The events' rows, each hashed over the one before (`prev` first); the event with id `filed.id`
 * carries the digest of the rows filed under it.
 */
function chainEvents(
  prev: string,
  ids: readonly number[],
  canonical: CanonicalAuditEvent[],
  filed: { id: number; digest: string | null },
): EventRow[] {
  return canonical.map((c, i) => {
    const id = ids[i]!;
    if (id === filed.id && filed.digest !== null) c.rows_digest = filed.digest;
    const hash = hashAuditEvent(prev, c);
    const row = {
      ...c,
      id,
      rows_digest: c.rows_digest ?? null,
      before: jsonText(c.before),
      after: jsonText(c.after),
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
}

/** One insert of the events' rows: one array parameter per column, whatever the number of events. */
function insertEvents(rows: readonly EventRow[]) {
  const arrays = EVENT_COLUMNS.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(EVENT_TYPES[c])}[]`);
  return sql`insert into audit_event (${sql.join(EVENT_COLUMNS.map((c) => sql.ref(c)))}) overriding system value
    select * from unnest(${sql.join(arrays)})`;
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
