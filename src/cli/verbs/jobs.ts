import { hostname } from 'node:os';
import { parseVerbArgs, UsageError } from '../args.js';
import type { Verb } from '../verb.js';
import { parseOrigin } from './serve.js';

export const JOBS: Verb = {
  name: 'jobs',
  help: `Usage: sifreg jobs run-once [--data-dir DIR]

Runs every job due now (ePRO planning, invitations and reminders) once and exits: for a cron entry
when no "sifreg serve" runs. Safe beside running servers: each message is still sent once. Mail
goes through SMTP_URL (sender EPRO_FROM) when set, else waits in the outbox; links are built from
APP_ORIGIN, which is required. Prints "jobs: N run".`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, {}, 1);
    if (positionals[0] !== 'run-once') throw new UsageError('jobs needs the sub-command "run-once"');
    if (io.env.APP_ORIGIN === undefined)
      throw new UsageError('jobs run-once needs APP_ORIGIN to build links');
    const appOrigin = parseOrigin(io.env.APP_ORIGIN);
    const { openRegistry } = await import('../open-registry.js');
    const { runEproJobsOnce } = await import('../../registry/epro-invitations.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      const n = await runEproJobsOnce(registry.deps, {
        smtpUrl: io.env.SMTP_URL || undefined,
        from: io.env.EPRO_FROM || undefined,
        appOrigin,
        worker: `${hostname()}:${process.pid}`,
      });
      io.stdout.write(`jobs: ${n} run\n`);
      return 0;
    } finally {
      await registry.close();
    }
  },
};
