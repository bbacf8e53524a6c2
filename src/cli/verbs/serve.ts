import { serve } from '@hono/node-server';
import { buildApp } from '../../server/app.js';
import { installShutdownHandlers } from '../../store/index.js';
import { intOption, parseVerbArgs } from '../args.js';
import { openRegistry } from '../open-registry.js';
import type { Verb } from '../verb.js';

export const SERVE: Verb = {
  name: 'serve',
  summary: 'start the registry web server',
  help: `Usage: sifreg serve [--port P] [--host H] [--data-dir DIR]

Starts the embedded database (or uses DATABASE_URL) and serves the registry on http://H:P
(default 127.0.0.1:8080). Ctrl-C stops the server and the database cleanly.`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, { port: { type: 'string' }, host: { type: 'string' } });
    const port = intOption(values.port, 'port', Number(io.env.PORT ?? 8080), 1);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const app = buildApp({ registry: registry.deps, log });
    const server = serve({ fetch: app.fetch, port, hostname: host });
    // Stop taking requests first, then stop the database.
    const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
    installShutdownHandlers(
      { ...registry.handle, close: () => closeServer().then(() => registry.handle.close()) },
      log,
    );
    io.stdout.write(
      `SIF Registry listening on http://${host}:${port} (${registry.handle.embedded ? 'embedded database' : 'DATABASE_URL'})\n`,
    );
    await new Promise<never>(() => {});
    return 0;
  },
};
