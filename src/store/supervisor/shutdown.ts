const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof EXIT_CODES;

export interface ShutdownHandlers {
  /** Adds work to do on SIGINT or SIGTERM; the latest added runs first (stop taking requests, then close the database). */
  onShutdown(work: () => Promise<void>): void;
  /** The signal received while nothing was registered yet (a start-up still under way), else null. */
  readonly pending: Signal | null;
  /** Exits as for the pending signal (after a start-up that failed). */
  exitPending(): void;
  /** Removes the signal handlers. */
  remove(): void;
}

/**
 * On SIGINT or SIGTERM: run the registered work (close the HTTP server, close the database, so the
 * last process using the embedded server stops it cleanly and leaves no lock) and exit 130 or 143.
 * A signal during start-up is held until the database is open, then handled. A second signal exits
 * at once, unless it comes within `sameSignalMs` of the first: one Ctrl-C often arrives twice (from
 * the terminal to the process group, and forwarded by a parent such as npm or tsx watch), and
 * exiting on that echo would leave the embedded server running.
 */
export function installShutdownHandlers(
  log: (line: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
  options: { now?: () => number; sameSignalMs?: number } = {},
): ShutdownHandlers {
  const now = options.now ?? Date.now;
  const sameSignalMs = options.sameSignalMs ?? 1_000;
  const work: (() => Promise<void>)[] = [];
  let received: Signal | null = null;
  let receivedAt = 0;
  let running = false;
  const shutdown = async (signal: Signal) => {
    running = true;
    log(`${signal} received: closing the database`);
    for (const w of [...work].reverse()) {
      try {
        await w();
      } catch (error) {
        log(`closing failed: ${(error as Error).message}`);
      }
    }
    exit(EXIT_CODES[signal]);
  };
  const onSignal = (signal: Signal) => {
    if (received) {
      if (now() - receivedAt >= sameSignalMs) exit(EXIT_CODES[signal]);
      return;
    }
    received = signal;
    receivedAt = now();
    if (work.length > 0) void shutdown(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    onShutdown(w) {
      work.push(w);
      if (received && !running) void shutdown(received);
    },
    get pending() {
      return running ? null : received;
    },
    exitPending() {
      if (received) exit(EXIT_CODES[received]);
    },
    remove() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
