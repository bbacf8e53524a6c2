import { RegistryError } from '../errors.js';
import { UsageError } from './args.js';
import { type CliIo, processIo } from './io.js';
import type { Verb } from './verb.js';
import { AUDIT } from './verbs/audit.js';
import { BACKUP, RESTORE } from './verbs/backup.js';
import { DEMO } from './verbs/demo.js';
import { EXPORT, IMPORT } from './verbs/exchange.js';
import { REPORT } from './verbs/report.js';
import { SERVE } from './verbs/serve.js';
import { SITE, USER } from './verbs/user.js';

export const VERBS: readonly Verb[] = [
  DEMO,
  SERVE,
  SITE,
  USER,
  IMPORT,
  EXPORT,
  REPORT,
  AUDIT,
  BACKUP,
  RESTORE,
];

function usage(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length));
  return `Usage: sifreg <command> [options]

SIF Registry: multicenter outcomes registry for sacroplasty.

Commands:
${VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`).join('\n')}

Global options:
  --data-dir DIR  embedded database directory (default ./sifreg-data)
  DATABASE_URL    environment variable; when set, every command uses that PostgreSQL instead

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
  const verb = VERBS.find((v) => v.name === name);
  if (!verb) {
    io.stderr.write(`sifreg: unknown command "${name}" (run "sifreg --help" for the list)\n`);
    return 2;
  }
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
      io.stderr.write(`sifreg ${name}: ${error.message}\n`);
      if (error.code !== 'IMPORT_FAILED') {
        for (const issue of error.issues) io.stderr.write(`  ${issue.message}\n`);
      }
      return 1;
    }
    // Unexpected: one line for the person, the detail only when asked for.
    io.stderr.write(`sifreg ${name}: internal error: ${(error as Error).message}\n`);
    if (io.env.SIFREG_DEBUG) io.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** Process entry used by bin/sifreg.js. */
export async function run(argv: string[]): Promise<void> {
  const code = await main(argv, processIo());
  process.exitCode = code;
}
