import { type Kysely, sql } from 'kysely';
import type { Database } from '../../store/index.js';

/**
 * Results of the heavier reads (the study report's care-gap and completeness analyses over a site's
 * subjects), kept while the registry is unchanged. Every write appends an audit event in its own
 * transaction, so the last event id names the registry's state: a result computed at that id is
 * exact until the next write, and a cache never serves anything older. Events that change no data
 * (sign-ins, audited reads: UNCHANGING_ACTIONS) leave the state as it was. Each server process keeps
 * its own (nothing another process needs is held here); pass one to the reads that take it.
 */
export class ViewCache {
  readonly #entries = new Map<string, { head: number; value: Promise<unknown> }>();

  constructor(private readonly maxEntries = 64) {}

  /** The value for `key` at the registry's current state: cached, or computed now and kept. */
  async get<T>(db: Kysely<Database>, key: string, compute: () => Promise<T>): Promise<T> {
    const head = await registryState(db);
    const hit = this.#entries.get(key);
    if (hit && hit.head === head) return hit.value as Promise<T>;
    const value = compute();
    this.#entries.delete(key);
    this.#entries.set(key, { head, value });
    // A failed computation is not kept.
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }

  /**
   * As `get`, but when the registry moved on since the kept value, `update` may bring that value
   * to the current state (it gets the value and the state it was computed at, and answers null
   * when it cannot, then `compute` runs).
   */
  async getUpdated<T>(
    db: Kysely<Database>,
    key: string,
    compute: () => Promise<T>,
    update: (previous: T, since: number, head: number) => Promise<T | null>,
  ): Promise<T> {
    const head = await registryState(db);
    const hit = this.#entries.get(key);
    if (hit && hit.head === head) return hit.value as Promise<T>;
    const value = hit
      ? (hit.value as Promise<T>).then(
          async (previous) => (await update(previous, hit.head, head)) ?? compute(),
          () => compute(),
        )
      : compute();
    this.#entries.delete(key);
    this.#entries.set(key, { head, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }
}

/**
 * Audit events that change nothing these reads show: sign-ins and sign-outs, password changes,
 * refused signatures, reads that are audited (identifiers, exports, the report), an ePRO link
 * opened. Any other event (every data write, and any action not named here) moves the state.
 */
export const UNCHANGING_ACTIONS: readonly string[] = [
  'session.login',
  'session.login_failed',
  'session.logout',
  'user.password_change',
  'user.password_change_failed',
  'user.password_reset',
  'signature.refused',
  'identity.read',
  'export.audit',
  'export.tidy',
  'export.deidentified',
  'report.generate',
  'epro.link.open',
];

/**
 * The id of the last audit event that may change what the reads show (0 before the first): it
 * changes with every data write, not with a sign-in or an audited read (read backwards along the
 * primary key, stopping at the first such event).
 *
 * Why "counted up to this id" never skips a write that commits late (the view cache's `since`, the
 * care tally's through_event; both re-read only the subjects named by audit rows after it): audit
 * ids are taken in commit order. Every event is appended by appendAuditBatch (src/store/audit.ts)
 * under the audit chain's transaction-level advisory lock, taken before the id and held until the
 * writer's commit, which PostgreSQL makes visible before it releases the lock; and the identity
 * sequence hands out ids one at a time (cache 1: no block of ids kept by one connection to use
 * later). So a writer holding id 100 open keeps every later writer waiting for the lock: no id 101
 * can commit first, and any snapshot that shows an id shows every committed id below it, none to
 * come. A watermark from pg_current_snapshot would add nothing while that holds. The test "a write
 * that commits late is shown" (care-tally.int.test.ts) fails if either stops holding.
 */
export async function registryState(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ id: string | number | null }>`${REGISTRY_STATE}`.execute(db);
  return Number(rows[0]?.id ?? 0);
}

/** The query of `registryState` (one row, `id`; none before the first event), to embed in another. */
export const REGISTRY_STATE = sql<{ id: string }>`select id from audit_event
    where action not in (${sql.join(UNCHANGING_ACTIONS)}) order by id desc limit 1`;

/** Computes without keeping anything: the reads' default when no cache is passed. */
export async function cached<T>(
  cache: ViewCache | undefined,
  db: Kysely<Database>,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  return cache ? cache.get(db, key, compute) : compute();
}
