import { parseArgs } from 'node:util';
import { printable } from '../errors.js';

export { printable };

/** A mistake in how a command was called; printed as one line with a pointer to the command's help. */
export class UsageError extends Error {
  constructor(message: string) {
    // Every value echoed back is made printable here, so no message can smuggle in control characters.
    super(printable(message));
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const NEGATIVE_NUMBER = /^-\d/;

/**
 * Joins a string option and a following negative number (`--subjects -5` → `--subjects=-5`), which
 * parseArgs would otherwise take for an option, so the option's own check can say what is wrong.
 */
function joinNegativeValues(args: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Parses a verb's arguments; unknown options and stray words are usage errors naming them. */
export function parseVerbArgs(args: string[], options: OptionSpec, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs>;
  const all: OptionSpec = {
    ...options,
    help: { type: 'boolean', short: 'h' },
    'data-dir': { type: 'string' },
    protocol: { type: 'string' },
  };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, all),
      options: all,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(usageMessage(error as Error & { code?: string }, args));
  }
  if (!parsed.values.help && parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return {
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/** parseArgs' error as one short line in the CLI's own words. */
function usageMessage(error: Error & { code?: string }, args: readonly string[]): string {
  const first = error.message.split('\n')[0] ?? '';
  const option = /'(-[^']*)'/.exec(first)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option "${option ?? first}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--x <value>' argument missing", "Option '--flag' does not take an argument", or a
      // value that starts with a dash.
      const name = option?.split(' ')[0] ?? '';
      if (/does not take an argument/.test(first)) return `${name} takes no value`;
      if (/ambiguous/.test(first)) {
        const i = args.indexOf(name);
        return `${name} needs a value (got "${args[i + 1] ?? ''}", which looks like an option; write ${name}=VALUE)`;
      }
      return `${name} needs a value`;
    }
    default:
      return first;
  }
}

/**
 * A whole number option, or a usage error naming the option: "must be a positive whole number" when
 * the least allowed is 1, else "a whole number from MIN"; `max` bounds it from above.
 */
export function intOption(
  value: string | boolean | undefined,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const text = String(value);
  const ok = typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max;
  if (!ok) {
    const what = min === 1 ? 'a positive whole number' : `a whole number from ${min}`;
    const upTo = max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : '';
    throw new UsageError(`--${name} must be ${what}${upTo} (got "${text}")`);
  }
  return Number(value);
}
