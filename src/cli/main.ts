import { printable, RegistryError } from '../errors.js';
import { isConnectionLost } from '../store/connection-lost.js';
import { UsageError } from './args.js';
import { type CliIo, processIo } from './io.js';
import type { VerbEntry } from './verb.js';

// Light on purpose: this file and the modules above are all that `sifreg --help` loads.
export const VERBS: readonly VerbEntry[] = [
  {
    name: 'demo',
    summary: 'load a seeded synthetic cohort into an empty registry',
    load: async () => (await import('./verbs/demo.js')).DEMO,
  },
  {
    name: 'serve',
    summary: 'start the registry web server',
    load: async () => (await import('./verbs/serve.js')).SERVE,
  },
  { name: 'site', summary: 'add a site', load: async () => (await import('./verbs/user.js')).SITE },
  {
    name: 'user',
    summary: 'add a user (password read from standard input)',
    load: async () => (await import('./verbs/user.js')).USER,
  },
  {
    name: 'import',
    summary: 'import a tidy CSV, all-or-nothing',
    load: async () => (await import('./verbs/exchange.js')).IMPORT,
  },
  {
    name: 'export',
    summary: 'export the registry (tidy CSV)',
    load: async () => (await import('./verbs/exchange.js')).EXPORT,
  },
  {
    name: 'report',
    summary: 'produce the study report (HTML, JSON or PDF)',
    load: async () => (await import('./verbs/report.js')).REPORT,
  },
  {
    name: 'audit',
    summary: 'verify the hash chain of the audit trail',
    load: async () => (await import('./verbs/audit.js')).AUDIT,
  },
  {
    name: 'backup',
    summary: 'write a consistent, checksummed snapshot of the registry to FILE',
    load: async () => (await import('./verbs/backup.js')).BACKUP,
  },
  {
    name: 'restore',
    summary: 'load a backup FILE into an empty registry',
    load: async () => (await import('./verbs/backup.js')).RESTORE,
  },
  {
    name: 'jobs',
    summary: 'run the due ePRO jobs once (run-once), for cron',
    load: async () => (await import('./verbs/jobs.js')).JOBS,
  },
  {
    name: 'site-text',
    summary: "install a site's patient-page catalog or licensed ODI wording; its language",
    load: async () => (await import('./verbs/site-text.js')).SITE_TEXT,
  },
];

function usage(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length));
  return `Usage: sifreg <command> [options]

SIF Registry: multicenter outcomes registry for sacroplasty.

Commands:
${VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`).join('\n')}

Global options:
  --data-dir DIR   embedded database directory (default ./sifreg-data)
  --protocol FILE  the study protocol as JSON (visits, windows, MME table) instead of the built-in
                   sacroplasty-sif; also the SIFREG_PROTOCOL environment variable (the option wins)
  DATABASE_URL     environment variable; when set, every command uses that PostgreSQL instead

Run "sifreg <command> --help" for a command's options.
`;
}

/** Runs one CLI invocation and returns its exit code; failures print one clear line. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = VERBS.find((v) => v.name === name);
  if (!entry) {
    io.stderr.write(`sifreg: unknown command "${printable(name)}" (run "sifreg --help" for the list)\n`);
    return 2;
  }
  const verb = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${verb.help}\n`);
    return 0;
  }
  try {
    return await verb.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`sifreg ${name}: ${error.message} (see "sifreg ${name} --help")\n`);
      return 2;
    }
    if (error instanceof RegistryError) {
      // Messages may echo values from files and arguments: never their control characters.
      io.stderr.write(`sifreg ${name}: ${printable(error.message)}\n`);
      if (error.code !== 'IMPORT_FAILED') {
        for (const issue of error.issues) io.stderr.write(`  ${printable(issue.message)}\n`);
      }
      return 1;
    }
    // The reader of our output went away (`sifreg export | head`): like SIGPIPE, nothing to say,
    // whatever failed after it (the write itself, or the database closing under the shutdown).
    if (outputClosed(io)) return 0;
    if (isConnectionLost(error)) {
      const why = (error as Error).message.split('\n')[0];
      io.stderr.write(
        `sifreg ${name}: lost the connection to the database (${why}); the transaction in progress was rolled back\n`,
      );
      return 1;
    }
    // Unexpected: one line for the person, the detail only when asked for.
    io.stderr.write(`sifreg ${name}: internal error: ${printable((error as Error).message)}\n`);
    if (io.env.SIFREG_DEBUG) io.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

const closedOutputs = new WeakSet<object>();

/** True once standard output's reader has gone away (EPIPE on stdout, recorded by `run`). */
function outputClosed(io: CliIo): boolean {
  return closedOutputs.has(io.stdout) || io.stdout.destroyed;
}

/** Process entry used by bin/sifreg.js. */
export async function run(argv: string[]): Promise<void> {
  // A reader that goes away (`sifreg report --format json | head`) ends the command the way SIGPIPE
  // ends any Unix tool, through the same clean shutdown as Ctrl-C: no stack trace, no server left.
  process.stdout.once('error', (error: NodeJS.ErrnoException) => {
    closedOutputs.add(process.stdout);
    if (error.code !== 'EPIPE') process.stderr.write(`sifreg: cannot write the output: ${error.message}\n`);
    process.stdout.on('error', () => {});
    process.kill(process.pid, 'SIGTERM');
  });
  const code = await main(argv, processIo());
  process.exitCode = code;
}
