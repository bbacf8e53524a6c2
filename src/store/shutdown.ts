import type { DatabaseHandle } from './database.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * On SIGINT or SIGTERM: close the database (the owner stops the embedded server cleanly, so the
 * next start needs no recovery) and exit 130 or 143. A second signal exits at once. Returns a
 * function that removes the handlers.
 */
export function installShutdownHandlers(handle: DatabaseHandle, log: (line: string) => void): () => void {
  let closing = false;
  const onSignal = (signal: keyof typeof EXIT_CODES) => {
    const code = EXIT_CODES[signal];
    if (closing) process.exit(code);
    closing = true;
    log(`${signal} received: closing the database`);
    handle.close().then(
      () => process.exit(code),
      (error: unknown) => {
        log(`closing the database failed: ${(error as Error).message}`);
        process.exit(code);
      },
    );
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
