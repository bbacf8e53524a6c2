import { Hono } from 'hono';
import { RegistryError } from '../errors.js';
import type { RegistryDeps } from '../registry/index.js';
import { HomePage } from '../web/home-page.js';

export interface AppDeps {
  registry: RegistryDeps;
  log: (line: string) => void;
}

/** Builds the HTTP app without listening; `server/main.ts` and the `serve` verb listen. */
export function buildApp(deps: AppDeps): Hono {
  const app = new Hono();

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
