import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/*
 * The work queue in PostgreSQL (0013 `job`). Jobs live in the database, never in timers: any number of
 * processes run workers over one queue. A worker claims a due job with FOR UPDATE SKIP LOCKED (two
 * workers never take the same row), then does the work in a second transaction that locks the row
 * again and checks the claim is still its own; the job is marked done in that same transaction, so
 * whatever the work wrote (e.g. the ePRO send log) commits with it or not at all. A claim older than
 * the lease belongs to a worker that crashed or stalled: the next worker takes the job over.
 */

/** A claim older than this is taken over by another worker. */
export const JOB_LEASE_MS = 5 * 60_000;
/** A job that failed runs again after this (times the attempts so far), up to MAX_JOB_ATTEMPTS. */
export const JOB_RETRY_MS = 60_000;
export const MAX_JOB_ATTEMPTS = 10;

export interface NewJob {
  kind: string;
  /** Unique over all jobs: a second job with the same key is not added (see `enqueueJob`). */
  key: string;
  payload: Record<string, unknown>;
  runAt: Date;
}

export interface ClaimedJob {
  id: number;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: Date;
  attempts: number;
}

/** Does the work of one job inside the transaction that marks it done. */
export type JobHandler = (trx: Transaction<Database>, job: ClaimedJob, now: Date) => Promise<void>;

/**
 * Adds jobs; a key already queued keeps its row, and only a job not yet done moves to the new run
 * time (a schedule that changed). Returns how many rows were added or moved.
 */
export async function enqueueJobs(db: Kysely<Database>, jobs: readonly NewJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  let changed = 0;
  for (let i = 0; i < jobs.length; i += 1000) {
    const rows = jobs.slice(i, i + 1000).map((j) => ({
      kind: j.kind,
      key: j.key,
      payload: JSON.stringify(j.payload),
      run_at: j.runAt,
    }));
    const result = await db
      .insertInto('job')
      .values(rows)
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ run_at: (eb) => eb.ref('excluded.run_at') })
          .where('job.done_at', 'is', null)
          .where('job.claimed_at', 'is', null)
          .where(sql<boolean>`job.run_at <> excluded.run_at`),
      )
      .executeTakeFirst();
    changed += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return changed;
}

/**
 * Claims the earliest due job (of the given kinds) for `worker`, in a transaction of its own: free
 * or with a claim older than the lease, skipping rows another worker has locked. Null: none due.
 */
export async function claimJob(
  db: Kysely<Database>,
  worker: string,
  now: Date,
  kinds?: readonly string[],
  leaseMs = JOB_LEASE_MS,
): Promise<ClaimedJob | null> {
  const staleBefore = new Date(now.getTime() - leaseMs);
  return db.transaction().execute(async (trx) => {
    let due = trx
      .selectFrom('job')
      .select('id')
      .where('done_at', 'is', null)
      .where('run_at', '<=', now)
      .where('attempts', '<', MAX_JOB_ATTEMPTS)
      .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', staleBefore)]))
      .orderBy('run_at')
      .limit(1)
      .forUpdate()
      .skipLocked();
    if (kinds !== undefined) due = due.where('kind', 'in', kinds);
    const row = await due.executeTakeFirst();
    if (!row) return null;
    const claimed = await trx
      .updateTable('job')
      .set({ claimed_by: worker, claimed_at: now, attempts: sql`attempts + 1` })
      .where('id', '=', row.id)
      .returning(['id', 'kind', 'key', 'payload', 'run_at', 'attempts'])
      .executeTakeFirstOrThrow();
    return {
      id: claimed.id,
      kind: claimed.kind,
      key: claimed.key,
      payload: (claimed.payload ?? {}) as Record<string, unknown>,
      runAt: claimed.run_at,
      attempts: claimed.attempts,
    };
  });
}

/**
 * Runs a claimed job: locks its row, checks the claim is still `worker`'s and not done (a lease
 * taken over by another worker: nothing happens, false), runs the handler and marks the job done in
 * the same transaction. A handler that throws rolls its work back; the job is released to run again
 * later with the error kept (its message only, one line, at most 500 characters).
 */
export async function runClaimedJob(
  db: Kysely<Database>,
  worker: string,
  job: ClaimedJob,
  handler: JobHandler,
  now: Date,
): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      const mine = await trx
        .selectFrom('job')
        .select('id')
        .where('id', '=', job.id)
        .where('claimed_by', '=', worker)
        .where('done_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!mine) return false;
      await handler(trx, job, now);
      await trx.updateTable('job').set({ done_at: now, last_error: null }).where('id', '=', job.id).execute();
      return true;
    });
  } catch (error) {
    const message = oneLine(error instanceof Error ? error.message : String(error));
    await db
      .updateTable('job')
      .set({
        claimed_by: null,
        claimed_at: null,
        last_error: message,
        run_at: new Date(now.getTime() + JOB_RETRY_MS * job.attempts),
      })
      .where('id', '=', job.id)
      .where('claimed_by', '=', worker)
      .execute();
    return false;
  }
}

/** Deletes the jobs done before `before` (finished work; what it wrote stays): how many went. */
export async function purgeDoneJobs(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('job').where('done_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 500) || 'failed';

export interface JobWorkerOptions {
  db: Kysely<Database>;
  clock: () => Date;
  /** This worker's name in `claimed_by` (e.g. host:pid). */
  worker: string;
  handlers: Readonly<Record<string, JobHandler>>;
}

/**
 * Runs every job due now, one at a time, until none is left or `limit` have run (a cron-like pass,
 * `sifreg jobs run-once`, or one tick of the serve loop). Returns how many completed.
 */
export async function runDueJobs(options: JobWorkerOptions, limit = 1000): Promise<number> {
  const kinds = Object.keys(options.handlers);
  let done = 0;
  for (let i = 0; i < limit; i++) {
    const now = options.clock();
    const job = await claimJob(options.db, options.worker, now, kinds);
    if (!job) break;
    if (await runClaimedJob(options.db, options.worker, job, options.handlers[job.kind]!, now)) done++;
  }
  return done;
}

export interface RunningWorker {
  /** Stops after the job in progress (if any); resolves when the loop has ended. */
  stop(): Promise<void>;
}

/**
 * The worker loop of `sifreg serve`: a pass over the due jobs every `intervalMs`. A pass that fails
 * (the database away) is reported through `onError` and the loop goes on.
 */
export function startJobWorker(
  options: JobWorkerOptions & { intervalMs?: number; onError?: (error: unknown) => void },
): RunningWorker {
  const interval = options.intervalMs ?? 30_000;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopping) {
      try {
        await runDueJobs(options, 100);
      } catch (error) {
        options.onError?.(error);
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, interval);
      });
    }
  })();
  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
