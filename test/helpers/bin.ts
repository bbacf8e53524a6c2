import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The real command-line entry point (it runs the compiled dist/: `npm run build` first). */
export const SIFREG_BIN = fileURLToPath(new URL('../../bin/sifreg.js', import.meta.url));

/**
 * Runs the real `bin/sifreg.js ARGS` in `cwd` and collects what it prints. The environment is this
 * process's without DATABASE_URL and SIFREG_BACKUP_KEY, plus `env`: a test names its database.
 */
export async function runSifregBin(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
) {
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  delete inherited.SIFREG_BACKUP_KEY;
  const child = spawn(process.execPath, [SIFREG_BIN, ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { ...inherited, ...options.env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

/** Adds the first administrator with `sifreg user add --password-stdin`, as an operator does. */
export async function addAdminByBin(databaseUrl: string, username: string, password: string): Promise<void> {
  const add = await runSifregBin(
    ['user', 'add', '--username', username, '--role', 'admin', '--password-stdin'],
    {
      env: { DATABASE_URL: databaseUrl },
      stdin: `${password}\n`,
    },
  );
  if (add.code !== 0) throw new Error(`user add failed: ${add.stderr}`);
}
