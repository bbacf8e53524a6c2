import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../store/index.js';

/** The part of pg's connection a COPY FROM STDIN needs. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: Writable;
}

/**
 * `COPY … FROM STDIN` on the connection of a Kysely transaction, streamed with backpressure. pg runs
 * any object with `submit` as a query ("submittable", the mechanism pg-copy-streams uses), and
 * Kysely hands the compiled query's `sql` to pg unchanged, so the COPY runs inside the caller's
 * transaction without a second connection.
 */
export class CopyIn {
  private connection: PgConnection | null = null;
  private error: Error | null = null;
  private rowCount = 0;
  private readonly started: Promise<PgConnection>;
  private readonly finished: Promise<{ command: string; rowCount: number; rows: never[] }>;
  private onStart!: [(c: PgConnection) => void, (e: Error) => void];
  private onFinish!: [(r: { command: string; rowCount: number; rows: never[] }) => void, (e: Error) => void];
  private pending: Promise<unknown>;
  private buffered: string[] = [];
  private bufferedLength = 0;

  private constructor(
    private readonly text: string,
    db: Kysely<Database> | Transaction<Database>,
  ) {
    this.started = new Promise((resolve, reject) => {
      this.onStart = [resolve, reject];
    });
    this.finished = new Promise((resolve, reject) => {
      this.onFinish = [resolve, reject];
    });
    this.started.catch(() => {});
    this.finished.catch(() => {});
    const compiled = CompiledQuery.raw('copy');
    this.pending = db.executeQuery({ ...compiled, sql: this.submittable() as unknown as string });
    this.pending.catch(() => {});
  }

  /** Starts `copy` (a `COPY table (…) FROM STDIN` statement) and waits until the server accepts data. */
  static async start(db: Kysely<Database> | Transaction<Database>, copy: string): Promise<CopyIn> {
    const c = new CopyIn(copy, db);
    await c.started;
    return c;
  }

  /** What pg runs: an object with `submit` and the message handlers, awaited by Kysely through `then`. */
  private submittable() {
    return {
      submit: (connection: PgConnection) => connection.query(this.text),
      handleCopyInResponse: (connection: PgConnection) => {
        this.connection = connection;
        this.onStart[0](connection);
      },
      handleCommandComplete: (msg: { text?: string }) => {
        this.rowCount = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
      },
      handleReadyForQuery: () => {
        if (this.error) this.onFinish[1](this.error);
        else this.onFinish[0]({ command: 'COPY', rowCount: this.rowCount, rows: [] });
      },
      handleError: (error: Error) => {
        this.error = error;
        this.onStart[1](error);
        this.onFinish[1](error);
      },
      handleRowDescription: () => {},
      handleDataRow: () => {},
      handleEmptyQuery: () => {},
      handlePortalSuspended: () => {},
      handleCopyData: () => {},
      // biome-ignore lint/suspicious/noThenProperty: pg returns the submittable itself and Kysely awaits it.
      then: <T>(
        resolve: (r: { command: string; rowCount: number; rows: never[] }) => T,
        reject: (e: Error) => T,
      ) => this.finished.then(resolve, reject),
    };
  }

  /** Queues COPY text (rows ending in `\n`); waits when the socket is full. */
  async write(text: string): Promise<void> {
    this.buffered.push(text);
    this.bufferedLength += text.length;
    if (this.bufferedLength >= 1 << 16) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.bufferedLength === 0 || !this.connection) return;
    this.connection.sendCopyFromChunk(Buffer.from(this.buffered.join(''), 'utf8'));
    this.buffered = [];
    this.bufferedLength = 0;
    if (this.connection.stream.writableNeedDrain) await once(this.connection.stream, 'drain');
  }

  /** Queues raw bytes in the COPY's format (e.g. a CSV file as it is). */
  async writeBytes(chunk: Buffer): Promise<void> {
    await this.flush();
    if (!this.connection) return;
    this.connection.sendCopyFromChunk(chunk);
    if (this.connection.stream.writableNeedDrain) await once(this.connection.stream, 'drain');
  }

  /** Ends the data; resolves with the number of rows copied, or rejects with the server's error. */
  async end(): Promise<number> {
    await this.flush();
    this.connection?.endCopyFrom();
    await this.pending;
    return this.rowCount;
  }

  /** Abandons the COPY (the server then fails the statement, and with it the transaction). */
  async fail(reason: string): Promise<void> {
    if (this.connection && !this.error) this.connection.sendCopyFail(reason);
    await this.pending.catch(() => {});
  }
}

const COPY_SPECIAL = /[\\\n\r\t]/;

/** A value in COPY text format (tab-separated; backslash escapes); null is `\N`. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}
