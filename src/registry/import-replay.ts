// The bytes of an import's file kept as they are read, so that the file can be read a second time.
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../errors.js';
import type { CsvSource } from '../exchange/csv.js';

/**
 * A source that can be read again: a string, bytes or an array are kept as given; any other stream
 * is copied, as it is read, to a private temporary file (mode 0600 in a 0700 directory, removed by
 * `close`). The import reads a file once when it is in study order, and a second time otherwise.
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
      replay.fd = openSync(replay.file(), 'wx', 0o600);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw copyFailed(dir, error);
    }
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
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    return createReadStream(this.file(), { highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
  }

  private file(): string {
    return path.join(this.dir!, 'import.csv');
  }
}

function copyFailed(dir: string, error: unknown): RegistryError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new RegistryError(
    'IMPORT_FAILED',
    `import stopped, nothing was written: cannot keep a copy of the file in ${dir} (${reason}); free space there or set TMPDIR`,
  );
}
