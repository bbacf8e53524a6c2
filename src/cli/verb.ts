import type { CliIo } from './io.js';

/** One `sifreg` verb: its help text and what it does; returns the exit code. */
export interface Verb {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}
