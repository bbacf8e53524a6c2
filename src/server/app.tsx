import { Hono } from 'hono';
import { RegistryError } from '../errors.js';
import type { RegistryDeps } from '../registry/index.js';
import { isConnectionLost } from '../store/index.js';
import { HomePage } from '../web/home-page.js';

export interface AppDeps {
  registry: RegistryDeps;
  log: (line: string) => void;
  /** The database's state as `serve` watches it; absent: always available. */
  database?: DatabaseState;
}

export interface DatabaseState {
  /** False while the database is down and being reconnected or restarted. */
  available(): boolean;
  /** A request found the database gone: check now rather than at the next tick. */
  lost(): void;
}

/** Seconds a client should wait before trying again while the database is down. */
export const RETRY_AFTER_SECONDS = 2;

const unavailable = () =>
  new Response(
    JSON.stringify({
      error: { code: 'DATABASE_UNAVAILABLE', message: 'the database is restarting; try again shortly' },
    }),
    {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) },
    },
  );

/** Builds the HTTP app without listening; `server/main.ts` and the `serve` verb listen. */
export function buildApp(deps: AppDeps): Hono {
  const app = new Hono();

  // While the database is down every answer, /health included, is 503 with Retry-After.
  app.use(async (_c, next) => {
    if (deps.database && !deps.database.available()) return unavailable();
    return next();
  });

  app.get('/health', async (c) => {
    await deps.registry.db.selectFrom('site').select('id').limit(1).execute();
    return c.json({
      status: 'ok',
      protocol: deps.registry.protocol.id,
      version: deps.registry.protocol.version,
    });
  });

  app.get('/', (c) => c.html(<HomePage protocol={deps.registry.protocol} />));

  app.onError((error, c) => {
    if (isConnectionLost(error)) {
      deps.database?.lost();
      deps.log(`${c.req.method} ${c.req.path}: the database connection was lost`);
      return unavailable();
    }
    if (error instanceof RegistryError) {
      return c.json(
        { error: { code: error.code, message: error.message, issues: error.issues } },
        error.status as 400,
      );
    }
    // 5xx never echo the internal message; the log has it with a request id.
    const requestId = crypto.randomUUID();
    deps.log(`request ${requestId} ${c.req.method} ${c.req.path} failed: ${(error as Error).stack ?? error}`);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error', request_id: requestId } }, 500);
  });

  return app;
}
