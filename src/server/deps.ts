import type { RegistryDeps } from '../registry/index.js';
import type { Origin } from './client.js';

/** What the HTTP app is built from (buildApp in app.tsx); every route group receives it. */
export interface AppDeps extends Origin {
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
