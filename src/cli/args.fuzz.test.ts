import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { intOption, type OptionSpec, parseVerbArgs, printable, UsageError } from './args.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

const SPEC: OptionSpec = {
  subjects: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'dry-run': { type: 'boolean' },
};

// Words a person (or a hostile tester) might type: option names, values, negative numbers, control
// characters, anything at all.
const word = fc.oneof(
  fc.constantFrom(
    '--subjects',
    '--seed',
    '--out',
    '-o',
    '--dry-run',
    '--help',
    '-h',
    '--data-dir',
    '--',
    '-',
  ),
  fc.constantFrom('-5', '-0', '-1e3', '--subjects=-5', '--dry-run=yes', '--seed=', '-oX', '-x', '---'),
  fc.integer().map(String),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 8 }).map((s) => `--${s}`),
);

// biome-ignore lint/suspicious/noControlCharactersInRegex: the property is that none get through.
const RAW_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A usage error's message: one line, no raw control characters. */
function checkUsage(error: unknown): void {
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(RAW_CONTROL);
}

describe('command-line arguments (property-based)', () => {
  test('any argument list parses or is one printable usage error, never a crash', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), fc.nat(2), (args, positionals) => {
        try {
          const { values } = parseVerbArgs(args, SPEC, positionals);
          for (const [name, value] of Object.entries(values)) {
            if (SPEC[name]?.type === 'string' || name === 'data-dir') {
              expect(typeof value === 'string' || value === undefined).toBe(true);
            }
          }
          // Whatever a string option holds, the whole-number check answers or refuses cleanly.
          try {
            const n = intOption(values.subjects, 'subjects', 150, 1, 1_000_000);
            expect(Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000).toBe(true);
          } catch (error) {
            checkUsage(error);
          }
        } catch (error) {
          checkUsage(error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('a negative number after an option always reaches the option’s own check', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: -1 }), (n) => {
        const { values } = parseVerbArgs(['--subjects', String(n)], SPEC);
        expect(() => intOption(values.subjects, 'subjects', 150, 1)).toThrow(
          `--subjects must be a positive whole number (got "${n}")`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  test('printable text keeps every printable character and escapes every control one', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const shown = printable(text);
        expect(shown).not.toMatch(RAW_CONTROL);
        if (!RAW_CONTROL.test(text) && !text.includes('\t') && !/[\u200e\u200f]/.test(text)) {
          expect(shown).toBe(text);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
