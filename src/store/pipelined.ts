import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import pgUtils from 'pg/lib/utils.js';
import type { Database } from './schema.js';

/** One statement of a pipeline: its SQL and parameters, and the data when it is `COPY … FROM STDIN`. */
export interface PipelineStep {
  sql: string;
  parameters: readonly unknown[];
  /** The COPY's rows (text format), sent right behind the statement. */
  copyData?: Buffer;
}

/** A statement's rows, each field as the server's text (null for SQL NULL). */
export type StepRows = (string | null)[][];

/** The part of pg's connection the extended query protocol needs. */
interface PgConnection {
  parse(query: { text: string; types: number[] }): void;
  bind(config: { values: readonly unknown[]; valueMapper: (value: unknown) => unknown }): void;
  execute(config: { rows: number }): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sync(): void;
}

export interface Pipeline {
  /** Each step's rows, as soon as that step is done; rejected when it (or a step before it) failed. */
  steps: Promise<StepRows>[];
  /** Resolves when every step is done; rejects with the first error. */
  done: Promise<void>;
}

/**
 * Sends several statements to the server in one go, COPY data included, with one Sync at the end
 * (the extended query protocol's pipelining): the server runs them back to back instead of waiting
 * for this process to read each reply and send the next statement. A statement that fails makes the
 * server skip the rest up to the Sync (a COPY's data included), so nothing after it is run, and the
 * transaction is left failed.
 *
 * Runs on the connection of a Kysely transaction as a pg "submittable", as {@link CopyIn} does, so
 * it keeps its place among the transaction's other statements.
 */
export function sendPipelined(
  db: Kysely<Database> | Transaction<Database>,
  steps: readonly PipelineStep[],
): Pipeline {
  const settle = steps.map(() => {
    let resolve!: (rows: StepRows) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<StepRows>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    return { promise, resolve, reject };
  });
  let current = 0;
  let rows: StepRows = [];
  let finish!: [() => void, (e: Error) => void];
  const finished = new Promise<void>((resolve, reject) => {
    finish = [resolve, reject];
  });
  finished.catch(() => {});
  const complete = () => {
    settle[current]?.resolve(rows);
    rows = [];
    current++;
  };
  const submittable = {
    submit: (connection: PgConnection) => {
      for (const step of steps) {
        connection.parse({ text: step.sql, types: [] });
        connection.bind({ values: step.parameters, valueMapper: pgUtils.prepareValue });
        connection.execute({ rows: 0 });
        if (step.copyData) {
          connection.sendCopyFromChunk(step.copyData);
          connection.endCopyFrom();
        }
      }
      connection.sync();
    },
    handleRowDescription: () => {},
    handleDataRow: (msg: { fields: (string | null)[] }) => {
      rows.push(msg.fields);
    },
    handleCommandComplete: complete,
    handleEmptyQuery: complete,
    // The data went out with the statement.
    handleCopyInResponse: () => {},
    handleCopyData: () => {},
    handlePortalSuspended: () => {},
    // pg hands the connection's next ReadyForQuery to no one after an error: the pipeline ends
    // here (the server skips the rest up to the Sync before it runs anything else).
    handleError: (e: Error) => {
      for (let i = current; i < settle.length; i++) settle[i]!.reject(e);
      current = settle.length;
      finish[1](e);
    },
    handleReadyForQuery: () => finish[0](),
    // biome-ignore lint/suspicious/noThenProperty: pg returns the submittable itself and Kysely awaits it.
    then: <T>(resolve: (r: { command: string; rows: never[] }) => T, reject: (e: Error) => T) =>
      finished.then(() => resolve({ command: 'PIPELINE', rows: [] }), reject),
  };
  const compiled = CompiledQuery.raw('pipeline');
  const sent = db.executeQuery({ ...compiled, sql: submittable as unknown as string });
  // A failure before the submittable ran (the connection was gone): every step fails with it.
  const done = Promise.all([sent, finished]).then(
    () => {},
    (e: Error) => {
      for (const s of settle) s.reject(e);
      throw e;
    },
  );
  done.catch(() => {});
  return { steps: settle.map((s) => s.promise), done };
}
