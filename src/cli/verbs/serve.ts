import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { RegistryError } from '../../errors.js';
import type { DatabaseHandle } from '../../store/index.js';
import { parseVerbArgs, UsageError } from '../args.js';
import type { Verb } from '../verb.js';

export const SERVE: Verb = {
  name: 'serve',
  help: `Usage: sifreg serve [--port P] [--host H] [--data-dir DIR]

Starts the embedded database (or uses DATABASE_URL) and serves the registry on http://H:P
(default 127.0.0.1:8080, or the PORT environment variable). Behind a proxy, set APP_ORIGIN to
the public origin (e.g. https://registry.example.org): CSRF checks and links use it. If the database goes away, pages
answer 503 with Retry-After while serve restarts or reconnects it. ePRO invitations and reminders
are sent by a worker inside serve: through SMTP_URL (sender EPRO_FROM) when set, else they wait in
the outbox for staff; SIFREG_JOB_INTERVAL_MS sets the worker's pass interval (default 30000). Ctrl-C stops the server and,
when no other sifreg process uses it, the database cleanly.`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, { port: { type: 'string' }, host: { type: 'string' } });
    const port =
      values.port !== undefined
        ? parsePort(values.port, '--port')
        : io.env.PORT !== undefined
          ? parsePort(io.env.PORT, 'PORT')
          : 8080;
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const appOrigin = io.env.APP_ORIGIN !== undefined ? parseOrigin(io.env.APP_ORIGIN) : undefined;
    const jobInterval =
      io.env.SIFREG_JOB_INTERVAL_MS !== undefined ? parseInterval(io.env.SIFREG_JOB_INTERVAL_MS) : undefined;
    const log = (line: string) => io.stderr.write(`${line}\n`);

    const { createAdaptorServer } = await import('@hono/node-server');
    const { openRegistry } = await import('../open-registry.js');
    // The app's modules load while the database starts.
    const appModule = import('../../server/app.js');
    appModule.catch(() => {});
    // Take the port before anything else starts: a busy port fails here and leaves nothing running.
    let respond: (request: Request) => Response | Promise<Response> = () =>
      new Response('starting', { status: 503, headers: { 'retry-after': '1' } });
    const server = createAdaptorServer({ fetch: (request) => respond(request) }) as Server;
    await listen(server, port, host);
    const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));

    let registry: Awaited<ReturnType<typeof openRegistry>>;
    try {
      registry = await openRegistry(io, {
        dataDir: values['data-dir'] as string | undefined,
        protocol: values.protocol as string | undefined,
      });
    } catch (error) {
      await closeServer();
      throw error;
    }
    const watch = watchDatabase(registry.handle, log);
    const { buildApp } = await appModule;
    const app = buildApp({
      registry: registry.deps,
      log,
      database: watch,
      ...(appOrigin ? { appOrigin } : {}),
    });
    respond = (request) => app.fetch(request);
    // ePRO invitations and reminders: the job worker, over the queue every serve process shares.
    const { startEproWorker } = await import('../../registry/epro-invitations.js');
    const worker = await startEproWorker(
      registry.deps,
      {
        smtpUrl: io.env.SMTP_URL || undefined,
        from: io.env.EPRO_FROM || undefined,
        appOrigin: appOrigin ?? `http://${host}:${port}`,
        worker: `${hostname()}:${process.pid}`,
        ...(jobInterval !== undefined ? { intervalMs: jobInterval } : {}),
      },
      log,
    );
    // Stop taking requests, watching and the worker first; the database closes after (openRegistry's handler).
    registry.onShutdown(async () => {
      watch.stop();
      await worker.stop();
      await closeServer();
    });
    io.stdout.write(
      `SIF Registry listening on http://${host}:${port} (${registry.handle.embedded ? 'embedded database' : 'DATABASE_URL'})\n`,
    );
    await new Promise<never>(() => {});
    return 0;
  },
};

/**
 * APP_ORIGIN: the public origin users reach the registry at behind a proxy (scheme, host, optional
 * port; nothing else). CSRF checks and links use it rather than the Host header.
 */
export function parseOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== text.replace(/\/$/, '')) {
    throw new UsageError(`APP_ORIGIN must be an origin such as https://registry.example.org (got "${text}")`);
  }
  return url.origin;
}

/** SIFREG_JOB_INTERVAL_MS: the ePRO worker's pass interval, a whole number of milliseconds 50–3600000. */
export function parseInterval(text: string): number {
  if (!/^\d{1,7}$/.test(text) || Number(text) < 50 || Number(text) > 3_600_000) {
    throw new UsageError(
      `SIFREG_JOB_INTERVAL_MS must be a whole number of milliseconds from 50 to 3600000 (got "${text}")`,
    );
  }
  return Number(text);
}

/** A TCP port from the command line or PORT: a whole number 1–65535. */
export function parsePort(text: string | boolean, name: string): number {
  const value = String(text);
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65_535) {
    throw new UsageError(`${name} must be a port number from 1 to 65535 (got "${value}")`);
  }
  return Number(value);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why =
        error.code === 'EADDRINUSE'
          ? 'is already in use'
          : error.code === 'EACCES'
            ? 'needs privileges this process does not have'
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? 'is not an address of this machine'
              : `cannot be opened (${error.code ?? error.message})`;
      reject(new RegistryError('PORT_UNAVAILABLE', `${host}:${port} ${why}; choose another --port`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Watches the database once a second (and at once when a request finds it gone). While it does not
 * answer, `available()` is false and the app answers 503; the handle restarts the embedded server
 * or reconnects to DATABASE_URL, with growing pauses, until it answers again.
 */
function watchDatabase(handle: DatabaseHandle, log: (line: string) => void) {
  let up = true;
  let checking = false;
  let stopped = false;
  const check = async () => {
    if (checking || stopped) return;
    checking = true;
    try {
      if (await answers(handle)) return;
      up = false;
      log('the database does not answer: answering 503 while it is restarted');
      for (let attempt = 1; !stopped; attempt++) {
        if ((await handle.recover()) && (await answers(handle))) break;
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5_000)));
      }
      if (!stopped) log('the database answers again');
      up = true;
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), 1_000);
  timer.unref();
  return {
    available: () => up,
    lost: () => void check(),
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

async function answers(handle: DatabaseHandle): Promise<boolean> {
  const { sql } = await import('kysely'); // loaded with the database already; not at the CLI's start
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), 3_000);
  });
  try {
    return await Promise.race([sql`select 1`.execute(handle.db).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
