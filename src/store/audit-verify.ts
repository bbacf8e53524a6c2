import { type Kysely, sql, type Transaction } from 'kysely';
import { AUDITED_TABLES, ROWS_DIGEST } from './audit.js';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import { ROW_TEXT_SETTINGS } from './migrations/0004-faster-row-hash.js';
import type { Database, JsonValue } from './schema.js';

export type AuditVerification =
  | { ok: true; count: number; head: string; lastId: number | null }
  | {
      ok: false;
      /** Events verified before the broken one. */
      count: number;
      brokenAt: number;
      reason: 'hash mismatch' | 'prev_hash does not link' | 'row records do not match';
    }
  | {
      ok: false;
      count: number;
      /** The chain no longer holds the head the operator kept: cut off, emptied or rewritten. */
      reason: 'shorter than the anchor' | 'differs from the anchor';
      anchor: AuditHead;
    };

/** A chain head: the number of events and the hash of the last one (`COUNT:HASH`). */
export interface AuditHead {
  count: number;
  hash: string;
}

/** `COUNT:HASH` as printed by `audit verify`; null when it is not one. */
export function parseAuditHead(text: string): AuditHead | null {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { count: Number(m[1]), hash: m[2]! } : null;
}

export function formatAuditHead(head: AuditHead): string {
  return `${head.count}:${head.hash}`;
}

/** Reads the current head without verifying (for backups and reports). */
export async function readAuditHead(db: Kysely<Database> | Transaction<Database>): Promise<AuditHead> {
  const { rows } = await sql<{ n: number | string; hash: string | null }>`
    select (select count(*) from audit_event) as n,
           (select hash from audit_event order by id desc limit 1) as hash`.execute(db);
  return { count: Number(rows[0]?.n ?? 0), hash: rows[0]?.hash ?? GENESIS_HASH };
}

const BATCH = 5_000;

interface StoredRow {
  id: number | string;
  at_us: string;
  actor: string;
  action: string;
  site_id: string | null;
  entity: string;
  entity_id: string;
  before: JsonValue | null;
  after: JsonValue | null;
  reason: string | null;
  rows_digest: string | null;
  prev_hash: string;
  hash: string;
}

export interface VerifyOptions {
  /** A head kept outside the database: the chain must still hold this event with this hash. */
  anchor?: AuditHead | undefined;
  /** More such heads (e.g. the operator's and a checkpoint file's); the first that fails is reported. */
  anchors?: readonly AuditHead[];
}

/**
 * Walks the chain in id order (keyset pages of 5,000, so millions of rows stream) and recomputes
 * every hash from what is stored, with the digest of each event's audit_row entries. A changed row
 * fails its own hash; a deleted row breaks the link of the next one; a row inserted behind the
 * registry's back fails one or the other unless it was forged with this algorithm. A keyless chain
 * proves consistency only: a cut-off or emptied chain is consistent, so `options.anchor` (a head
 * kept elsewhere: a checkpoint file, a backup, a report) must still be in it.
 */
export async function verifyAudit(
  db: Kysely<Database> | Transaction<Database>,
  onProgress?: (verified: number, total: number) => void,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const totalRow = await sql<{ n: string | number }>`select count(*) as n from audit_event`.execute(db);
  const total = Number(totalRow.rows[0]?.n ?? 0);
  let prev = GENESIS_HASH;
  let lastId: number | null = null;
  let count = 0;
  const anchors = [...(options.anchor ? [options.anchor] : []), ...(options.anchors ?? [])];
  const wanted = new Set(anchors.map((a) => a.count));
  const hashAt = new Map<number, string>([[0, GENESIS_HASH]]);
  for (;;) {
    // to_char keeps microseconds, so a time changed below the millisecond is still seen.
    const after: number = lastId ?? 0;
    const result = await sql<StoredRow>`
      select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as at_us, actor, action,
             site_id, entity, entity_id, before, after, reason, rows_digest, prev_hash, hash
      from audit_event
      where id > ${after}
      order by id
      limit ${BATCH}
    `.execute(db);
    const rows: StoredRow[] = result.rows;
    const digests = await rowDigests(db, after, rows.at(-1)?.id);
    for (const row of rows) {
      const id: number = Number(row.id);
      if (row.prev_hash !== prev)
        return { ok: false, count, brokenAt: id, reason: 'prev_hash does not link' };
      const at = `${row.at_us.slice(0, 23)}Z`;
      const expected = hashAuditEvent(prev, {
        at,
        actor: row.actor,
        action: row.action,
        site_id: row.site_id,
        entity: row.entity,
        entity_id: row.entity_id,
        before: row.before,
        after: row.after,
        reason: row.reason,
        ...(row.rows_digest === null ? {} : { rows_digest: row.rows_digest }),
      });
      if (expected !== row.hash || !row.at_us.endsWith('000')) {
        return { ok: false, count, brokenAt: id, reason: 'hash mismatch' };
      }
      if ((digests.get(id) ?? null) !== row.rows_digest) {
        return { ok: false, count, brokenAt: id, reason: 'row records do not match' };
      }
      prev = row.hash;
      lastId = id;
      count++;
      if (wanted.has(count)) hashAt.set(count, row.hash);
    }
    onProgress?.(count, Math.max(total, count));
    if (rows.length < BATCH) break;
  }
  for (const anchor of anchors) {
    if (count < anchor.count) return { ok: false, count, reason: 'shorter than the anchor', anchor };
    if (hashAt.get(anchor.count) !== anchor.hash)
      return { ok: false, count, reason: 'differs from the anchor', anchor };
  }
  return { ok: true, count, head: prev, lastId };
}

/** Digest of the audit_row entries of each event in (after, upTo], recomputed from what is stored. */
async function rowDigests(
  db: Kysely<Database> | Transaction<Database>,
  after: number,
  upTo: number | string | undefined,
): Promise<Map<number, string>> {
  if (upTo === undefined) return new Map();
  const { rows } = await sql<{ event_id: number | string; digest: string }>`
    select r.event_id, ${ROWS_DIGEST} as digest from audit_row r
    where r.event_id > ${after} and r.event_id <= ${Number(upTo)}
    group by r.event_id`.execute(db);
  return new Map(rows.map((r) => [Number(r.event_id), r.digest]));
}

export interface RowDiscrepancy {
  table: string;
  /** The row's key (a study id or a numeric id): never its content. */
  key: string;
  problem:
    | 'not in the audit trail'
    | 'changed outside the registry'
    | 'missing'
    | 'deleted in the audit trail';
}

export interface RowCheck {
  /** Rows compared (present now or known to the chain). */
  checked: number;
  /** All discrepancies counted; `rows` lists the first `limit`. */
  total: number;
  rows: RowDiscrepancy[];
  /** audit_row entries whose event is not in the chain (a forged or orphaned record). */
  orphans: number;
}

/**
 * Compares every current row of the audited tables with the latest hash the chain records for it
 * (audit_row of events still in audit_event). Run it in the same snapshot as verifyAudit.
 */
export async function checkAuditedRows(
  db: Kysely<Database> | Transaction<Database>,
  limit = 100,
): Promise<RowCheck> {
  if (!db.isTransaction) {
    return db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => checkAuditedRows(trx, limit));
  }
  // The same settings as the capture triggers: a row's text and JSON forms must not depend on the session.
  await sql`select ${sql.join(
    Object.entries(ROW_TEXT_SETTINGS).map(([k, v]) => sql`set_config(${k}, ${v}, true)`),
  )}`.execute(db);
  // Each row hashed the way its latest record was: the text form (v2, 0004-faster-row-hash), or
  // the JSON form for rows last recorded before it.
  const current = sql.join(
    Object.entries(AUDITED_TABLES).map(
      ([table, key]) =>
        sql`select ${table}::text as tbl, t.${sql.ref(key)}::text as key,
          case when l.hash is null or l.hash like 'v2:%' then audit_row_hash_v2(t::text)
               else audit_row_hash(to_jsonb(t)) end as hash
        from ${sql.table(table)} t left join latest l on l.tbl = ${table} and l.key = t.${sql.ref(key)}::text`,
    ),
    sql` union all `,
  );
  const { rows } = await sql<{
    tbl: string | null;
    key: string | null;
    problem: RowDiscrepancy['problem'] | null;
    checked: number | string;
    total: number | string;
  }>`
    with latest as (
      select distinct on (r.tbl, r.key) r.tbl, r.key, r.hash from audit_row r
      where exists (select from audit_event e where e.id = r.event_id)
      order by r.tbl, r.key, r.event_id desc
    ), cur as (${current}), compared as (
      select coalesce(c.tbl, l.tbl) as tbl, coalesce(c.key, l.key) as key,
        case when l.tbl is null then 'not in the audit trail'
             when c.tbl is null then 'missing'
             when l.hash is null then 'deleted in the audit trail'
             else 'changed outside the registry' end as problem,
        l.hash is distinct from c.hash as bad
      from cur c full join latest l on l.tbl = c.tbl and l.key = c.key
      where c.tbl is not null or l.hash is not null
    ), counts as (
      select count(*) as checked, count(*) filter (where bad) as total from compared
    )
    select b.tbl, b.key, b.problem, counts.checked, counts.total from counts
    left join lateral (
      select tbl, key, problem from compared where bad
      order by tbl collate "C", key collate "C" limit ${limit}
    ) b on true`.execute(db);
  const orphans = await sql<{ n: number | string }>`
    select count(*) as n from audit_row r where not exists (select from audit_event e where e.id = r.event_id)`.execute(
    db,
  );
  return {
    checked: Number(rows[0]?.checked ?? 0),
    total: Number(rows[0]?.total ?? 0),
    rows: rows
      .filter((r) => r.tbl !== null && r.key !== null && r.problem !== null)
      .map((r) => ({ table: r.tbl!, key: r.key!, problem: r.problem! })),
    orphans: Number(orphans.rows[0]?.n ?? 0),
  };
}
