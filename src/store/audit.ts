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
 * Appends one event to the hash chain inside the caller's transaction (a plain Kysely instance
 * gets a transaction of its own). Returns the new row's id and hash.
 */
export async function appendAudit(db: Db, event: AuditInput): Promise<{ id: number; hash: string }> {
  const [first] = await appendAuditBatch(db, [event]);
  return first!;
}

/** Appends several events in order under one lock, with multi-row inserts (imports, demo data). */
export async function appendAuditBatch(
  db: Db,
  events: readonly AuditInput[],
): Promise<{ id: number; hash: string }[]> {
  if (events.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => appendAuditBatch(trx, events));
  const canonical = events.map(toCanonical);
  await lockChain(db);
  // A new statement after the lock: under READ COMMITTED it sees the last committed head.
  const head = await db
    .selectFrom('audit_event')
    .select('hash')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = head?.hash ?? GENESIS_HASH;
  const rows = canonical.map((c) => {
    const hash = hashAuditEvent(prev, c);
    const row = { ...c, before: jsonText(c.before), after: jsonText(c.after), prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  const out: { id: number; hash: string }[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const inserted = await db
      .insertInto('audit_event')
      .values(rows.slice(i, i + 500))
      .returning(['id', 'hash'])
      .execute();
    out.push(...inserted.sort((a, b) => a.id - b.id));
  }
  // Identity values follow VALUES order; if that ever changed, the chain order would be wrong.
  if (out.some((r, i) => r.hash !== rows[i]!.hash)) {
    throw new RegistryError('INTERNAL', 'audit events were numbered out of chain order');
  }
  return out.map((r) => ({ id: Number(r.id), hash: r.hash }));
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
