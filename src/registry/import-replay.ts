// The bytes of an import's file kept as they are read, so that the file can be read a second time.
import { closeSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RegistryError } from '../errors.js';
import type { CsvSource } from '../exchange/csv-read.js';

/**
 * A source that can be read again: a string, bytes or an array are kept as given; any other stream
 * is copied, as it is read, to a private temporary file (mode 0600 in a 0700 directory). The file's
 * name is removed as soon as it is open, so the copy lives only as long as this process holds it: a
 * process killed with SIGKILL leaves no patient data behind in TMPDIR. The import reads a file once
 * when it is in study order, and a second time otherwise.
 */
export class Replay {
  private fd: number | null = null;

  private constructor(
    private readonly given: CsvSource | null,
    private readonly dir: string | null,
  ) {}

  static async start(source: CsvSource): Promise<Replay> {
    if (typeof source === 'string' || source instanceof Uint8Array || Array.isArray(source)) {
      return new Replay(source, null);
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sifreg-import-'));
    const replay = new Replay(null, dir);
    try {
      replay.fd = openSync(path.join(dir, 'import.csv'), 'wx+', 0o600);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw copyFailed(dir, error);
    }
    // Unnamed from here on: the open descriptor keeps the copy; nothing is left when the process ends.
    rmSync(dir, { recursive: true, force: true });
    return replay;
  }

  /** Keeps a chunk as read (synchronously: memory stays flat whatever the disk's speed). */
  keep(chunk: Uint8Array): void {
    if (this.fd === null) return;
    try {
      for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off, chunk.length - off);
    } catch (error) {
      throw copyFailed(this.dir!, error);
    }
  }

  /** The file again, from its first byte. */
  again(): CsvSource {
    if (this.given !== null) return this.given;
    if (this.fd === null) throw new RegistryError('INTERNAL', 'the kept copy of the import file is closed');
    // Read through the same descriptor from its first byte, at explicit positions; only close() closes it.
    const fd = this.fd;
    return (async function* () {
      for (let position = 0; ; ) {
        const buffer = Buffer.allocUnsafe(1 << 20);
        const { bytesRead } = await readAt(fd, buffer, 0, buffer.length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    })();
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

const readAt = promisify(read) as unknown as (
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
) => Promise<{ bytesRead: number }>;

function copyFailed(dir: string, error: unknown): RegistryError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new RegistryError(
    'IMPORT_FAILED',
    `import stopped, nothing was written: cannot keep a copy of the file in ${dir} (${reason}); free space there or set TMPDIR`,
  );
}
