import type { CliIo } from './io.js';

/** One `sifreg` verb: its help text and what it does; returns the exit code. */
export interface Verb {
  name: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A verb as the command table lists it: its name and one-line summary, and how to load it. The
 * verb's module (and everything it needs) is loaded only when that verb runs, so `sifreg --help`
 * and every verb start without paying for the others.
 */
export interface VerbEntry {
  name: string;
  summary: string;
  load(): Promise<Verb>;
}
