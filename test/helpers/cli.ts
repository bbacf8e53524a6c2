import { Readable, Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `sifreg ARGV` in-process against DATABASE_URL, capturing what it prints. */
export async function sifreg(
  argv: string[],
  options: { databaseUrl: string; cwd: string; stdin?: string; now?: string; env?: Record<string, string> },
) {
  const stdout = new Capture();
  const stderr = new Capture();
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from([options.stdin ?? '']),
    env: { DATABASE_URL: options.databaseUrl, ...options.env },
    cwd: options.cwd,
    clock: () => new Date(options.now ?? '2026-03-02T09:00:00.000Z'),
    random: () => 0.5,
  };
  const code = await main(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
