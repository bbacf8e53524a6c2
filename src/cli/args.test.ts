import { describe, expect, test } from 'vitest';
import { intOption, parseVerbArgs, printable, UsageError } from './args.js';

const SPEC = { subjects: { type: 'string' }, seed: { type: 'string' }, flag: { type: 'boolean' } } as const;

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
};

describe('command-line arguments', () => {
  test.each([
    [['--subjects', '-5'], '--subjects must be a positive whole number (got "-5")'],
    [['--subjects=-5'], '--subjects must be a positive whole number (got "-5")'],
    [['--subjects', '-0.5'], '--subjects must be a positive whole number (got "-0.5")'],
    [['--subjects', '0'], '--subjects must be a positive whole number (got "0")'],
    [['--subjects', '1e3'], '--subjects must be a positive whole number (got "1e3")'],
  ])('%j is refused as not a positive whole number, never as "ambiguous"', (args, message) => {
    const { values } = parseVerbArgs([...args], SPEC);
    expect(usage(() => intOption(values.subjects, 'subjects', 150, 1))).toBe(message);
  });

  test('a whole-number option with a lower bound of 0 and an upper bound says both', () => {
    expect(usage(() => intOption('-1', 'seed', 1, 0, 99))).toBe(
      '--seed must be a whole number from 0 up to 99 (got "-1")',
    );
    expect(intOption('42', 'seed', 1, 0, 99)).toBe(42);
  });

  test.each([
    [['--subjcts', '5'], 'unknown option "--subjcts"'],
    [['-x'], 'unknown option "-x"'],
    [['--subjects'], '--subjects needs a value'],
    [['--flag=yes'], '--flag takes no value'],
    [
      ['--subjects', '--flag'],
      '--subjects needs a value (got "--flag", which looks like an option; write --subjects=VALUE)',
    ],
    [['a', 'b'], 'unexpected argument "a"'],
  ])('%j is one short line', (args, message) => {
    expect(usage(() => parseVerbArgs([...args], SPEC))).toBe(message);
  });

  test('control characters in an echoed value are escaped', () => {
    expect(usage(() => parseVerbArgs(['--\u001b[31mred'], SPEC))).toBe('unknown option "--\\x1b[31mred"');
    expect(usage(() => parseVerbArgs(['x\u202egnp.exe'], SPEC))).toBe(
      'unexpected argument "x\\u202egnp.exe"',
    );
    expect(usage(() => intOption('1\n2\u0000', 'seed', 1))).toBe(
      '--seed must be a whole number from 0 (got "1\\n2\\x00")',
    );
    expect(printable('tab\there\r\u007f\u0085 ok é 😀')).toBe('tab\\there\\r\\x7f\\x85 ok é 😀');
  });
});
