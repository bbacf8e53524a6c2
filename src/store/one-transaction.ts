import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type Transaction,
} from 'kysely';
import type { Database } from './schema.js';

/**
 * Runs `work` as ONE transaction even though it calls use cases that each open their own
 * (`db.transaction()`): inside, a Kysely whose transactions are savepoints of the outer one. Either
 * everything `work` wrote commits, or nothing does (a failure, a killed process, a stopped server).
 * `lockKey` (pg_advisory_xact_lock) makes concurrent callers with the same key take turns.
 */
export async function inOneTransaction<T>(
  db: Kysely<Database>,
  work: (db: Kysely<Database>, trx: Transaction<Database>) => Promise<T>,
  lockKey?: string,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (lockKey)
      await trx.executeQuery(CompiledQuery.raw('select pg_advisory_xact_lock(hashtext($1))', [lockKey]));
    const nested = new Kysely<Database>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new SavepointDriver(trx),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    return work(nested, trx);
  });
}

/** A driver on the one connection of an open transaction: BEGIN/COMMIT/ROLLBACK become savepoints. */
class SavepointDriver implements Driver {
  #depth = 0;
  readonly #connection: DatabaseConnection;

  constructor(trx: Transaction<Database>) {
    this.#connection = {
      executeQuery: <R>(query: CompiledQuery) => trx.executeQuery(query) as Promise<QueryResult<R>>,
      streamQuery: () => {
        throw new Error('streaming queries are not available inside inOneTransaction');
      },
    };
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    this.#depth++;
    await c.executeQuery(CompiledQuery.raw(`savepoint nested_${this.#depth}`));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`release savepoint nested_${this.#depth}`));
    this.#depth--;
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`rollback to savepoint nested_${this.#depth}`));
    this.#depth--;
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
