import type { Protocol } from '../protocol/index.js';
import type { RegistryDeps } from './context.js';
import { smtpMailer } from './epro-mailer.js';
import { EPRO_PLAN, EPRO_SEND, eproPlanHandler } from './epro-plan.js';
import { type EproSendDeps, eproLinksInDatabase, eproSendHandler } from './epro-send.js';
import { enqueueJobs, type JobHandler, type RunningWorker, runDueJobs, startJobWorker } from './jobs.js';

/*
 * Where the ePRO jobs run: the worker inside every `sifreg serve` (a pass every intervalMs) and
 * `sifreg jobs run-once` for cron. Both share the queue in PostgreSQL (jobs.ts).
 */

/** The worker's pass interval unless configured (SIFREG_JOB_INTERVAL_MS in serve). */
export const DEFAULT_JOB_INTERVAL_MS = 30_000;

/** Both ePRO job handlers, for the worker (serve) and `jobs run-once`. */
export function eproJobHandlers(deps: EproSendDeps): Record<string, JobHandler> {
  return { [EPRO_SEND]: eproSendHandler(deps), [EPRO_PLAN]: eproPlanHandler(deps.protocol) };
}

export interface EproWorkerConfig {
  /** SMTP_URL; absent: the outbox. */
  smtpUrl: string | undefined;
  /** EPRO_FROM: the sender address (default registry@localhost). */
  from: string | undefined;
  appOrigin: string;
  /** This process in `job.claimed_by`, e.g. host:pid. */
  worker: string;
  intervalMs?: number;
}

/** Queues this hour's planning (its key is the hour: once for any number of processes); the handlers. */
async function prepareEproJobs(
  deps: RegistryDeps,
  config: EproWorkerConfig,
): Promise<Record<string, JobHandler>> {
  const now = deps.clock();
  const hour = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  await enqueueJobs(deps.db, [
    { kind: EPRO_PLAN, key: `epro.plan:${hour.toISOString().slice(0, 13)}`, payload: {}, runAt: hour },
  ]);
  return eproJobHandlers(sendDeps(deps.protocol, config));
}

const sendDeps = (protocol: Protocol, config: EproWorkerConfig): EproSendDeps => ({
  protocol,
  links: eproLinksInDatabase(protocol),
  appOrigin: config.appOrigin,
  sendMail: smtpMailer(config.smtpUrl, config.from ?? 'registry@localhost'),
});

/** One pass over the due jobs (`sifreg jobs run-once`, for cron): how many ran. */
export async function runEproJobsOnce(deps: RegistryDeps, config: EproWorkerConfig): Promise<number> {
  const handlers = await prepareEproJobs(deps, config);
  return runDueJobs({ db: deps.db, clock: deps.clock, worker: config.worker, handlers });
}

/**
 * The worker of `sifreg serve`: queues this hour's planning (once for any number of processes) and
 * runs due jobs every `intervalMs` with the injected clock until stopped. Failures are logged as one
 * line without the message (never a link).
 */
export async function startEproWorker(
  deps: RegistryDeps,
  config: EproWorkerConfig,
  log: (line: string) => void,
): Promise<RunningWorker> {
  const handlers = await prepareEproJobs(deps, config);
  return startJobWorker({
    db: deps.db,
    clock: deps.clock,
    worker: config.worker,
    handlers,
    intervalMs: config.intervalMs ?? DEFAULT_JOB_INTERVAL_MS,
    onError: (error) => log(`jobs: a pass failed (${error instanceof Error ? error.name : 'error'})`),
  });
}
