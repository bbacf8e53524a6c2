import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../fixtures/store-process.ts', import.meta.url));

export interface StoreEvent {
  event: string;
  [key: string]: unknown;
}

/** A child `node --import tsx` process running test/fixtures/store-process.ts on a data directory. */
export interface StoreProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves with the next event of this kind (logs are collected in `logs`). */
  next(event: string, timeoutMs?: number): Promise<StoreEvent>;
  send(command: Record<string, unknown>): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: string[];
}

export function startStoreProcess(dataDir: string): StoreProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, dataDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const queue: StoreEvent[] = [];
  const waiters: { event: string; resolve: (e: StoreEvent) => void }[] = [];
  const logs: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let event: StoreEvent;
      try {
        event = JSON.parse(line) as StoreEvent;
      } catch {
        continue;
      }
      if (event.event === 'log') logs.push(String(event.line));
      const w = waiters.findIndex((x) => x.event === event.event || event.event === 'error');
      if (w !== -1) waiters.splice(w, 1)[0]!.resolve(event);
      else queue.push(event);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid!,
    logs,
    exited,
    send: (command) => child.stdin.write(`${JSON.stringify(command)}\n`),
    next(event, timeoutMs = 60_000) {
      const queued = queue.findIndex((e) => e.event === event || e.event === 'error');
      if (queued !== -1) return Promise.resolve(queue.splice(queued, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${event}" from the store process; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`store process exited (${code ?? signal}) before "${event}"; stderr: ${stderr}`));
        });
      });
    },
  };
}
