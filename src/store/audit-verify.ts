import { type Kysely, sql } from 'kysely';
import { GENESIS_HASH, hashAuditEvent } from './audit-hash.js';
import type { Database, JsonValue } from './schema.js';

export type AuditVerification =
  | { ok: true; count: number; head: string; lastId: number | null }
  | {
      ok: false;
      /** Events verified before the broken one. */
      count: number;
      brokenAt: number;
      reason: 'hash mismatch' | 'prev_hash does not link';
    };

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
  prev_hash: string;
  hash: string;
}

/**
 * Walks the chain in id order (keyset pages of 5,000, so millions of rows stream) and recomputes
 * every hash from what is stored. A changed row fails its own hash; a deleted row breaks the link
 * of the next one; a row inserted behind the registry's back fails one or the other unless it was
 * forged with this algorithm (a keyless chain proves consistency; compare `head` with a copy kept
 * elsewhere, e.g. a backup or a report, to notice a rewritten or cut-off tail).
 */
export async function verifyAudit(
  db: Kysely<Database>,
  onProgress?: (verified: number, total: number) => void,
): Promise<AuditVerification> {
  const totalRow = await sql<{ n: string | number }>`select count(*) as n from audit_event`.execute(db);
  const total = Number(totalRow.rows[0]?.n ?? 0);
  let prev = GENESIS_HASH;
  let lastId: number | null = null;
  let count = 0;
  for (;;) {
    // to_char keeps microseconds, so a time changed below the millisecond is still seen.
    const after: number = lastId ?? 0;
    const result = await sql<StoredRow>`
      select id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as at_us, actor, action,
             site_id, entity, entity_id, before, after, reason, prev_hash, hash
      from audit_event
      where id > ${after}
      order by id
      limit ${BATCH}
    `.execute(db);
    const rows: StoredRow[] = result.rows;
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
      });
      if (expected !== row.hash || !row.at_us.endsWith('000')) {
        return { ok: false, count, brokenAt: id, reason: 'hash mismatch' };
      }
      prev = row.hash;
      lastId = id;
      count++;
    }
    onProgress?.(count, Math.max(total, count));
    if (rows.length < BATCH) return { ok: true, count, head: prev, lastId };
  }
}
