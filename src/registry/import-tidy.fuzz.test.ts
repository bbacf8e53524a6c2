import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry } from '../../test/helpers/registry.js';
import { RegistryError } from '../errors.js';
import { exportTidy, importTidy, loadDemo, SYSTEM_ACTOR } from './index.js';

// Each case is a whole import on PostgreSQL, so the suite runs 1/20 of FUZZ_RUNS (50 by default,
// 500 under `npm run fuzz`); the CSV parser's own properties run the full count (csv.fuzz.test.ts).
const RUNS = Math.max(20, Math.round(Number(process.env.FUZZ_RUNS ?? 1000) / 20));

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

async function counts(r: Registry) {
  const n = async (table: 'subject' | 'response' | 'audit_event' | 'site') =>
    Number(
      (
        await r.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { subjects: await n('subject'), responses: await n('response'), audit: await n('audit_event') };
}

// A hostile cell: CSV specials, formula signs, huge numbers, controls, dates far away, any text.
const cell = fc.oneof(
  fc.constantFrom(
    '',
    '"',
    '"x"y',
    'x"y',
    ',',
    '\n',
    "'=1",
    '=1',
    '-1',
    '1e308',
    '99999999999',
    '\u0000',
    '\u0007',
  ),
  fc.constantFrom(
    '9999-12-31',
    '0001-01-01',
    '2026-02-30',
    'VCU-00000001',
    'VCU-2147483648',
    'APMSS',
    'week9',
  ),
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

type Mutation =
  | { kind: 'cell'; line: number; column: number; value: string }
  | { kind: 'drop' | 'duplicate'; line: number }
  | { kind: 'swap'; line: number; other: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'bytes'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('cell' as const), line: fc.nat(), column: fc.nat(8), value: cell }),
  fc.record({ kind: fc.constantFrom('drop' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('bytes' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
  }),
);

function mutate(text: string, mutations: Mutation[]): Buffer {
  const lines = text.trimEnd().split('\n');
  let bytes: Buffer | null = null;
  for (const m of mutations) {
    const i = m.kind === 'truncate' || m.kind === 'bytes' ? 0 : m.line % lines.length;
    if (m.kind === 'cell') {
      const fields = lines[i]!.split(',');
      fields[m.column % (fields.length + 1)] = m.value.includes(',') ? `"${m.value}"` : m.value;
      lines[i] = fields.join(',');
    } else if (m.kind === 'drop') lines.splice(i, 1);
    else if (m.kind === 'duplicate') lines.splice(i, 0, lines[i]!);
    else if (m.kind === 'swap') {
      const j = m.other % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
  }
  bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  for (const m of mutations) {
    if (m.kind === 'truncate') bytes = bytes.subarray(0, m.at % (bytes.length + 1));
    if (m.kind === 'bytes') {
      const at = m.at % (bytes.length + 1);
      bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    }
  }
  return bytes;
}

describe('tidy import properties (PostgreSQL)', () => {
  let source: Registry;
  let target: Registry;
  let base = '';
  beforeAll(async () => {
    source = await createTestRegistry();
    await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 3, seed: 11 });
    await exportTidy(source.deps, SYSTEM_ACTOR, (chunk) => {
      base += chunk;
    });
    target = await createTestRegistry();
  });
  afterAll(async () => {
    await source.destroy();
    await target.destroy();
  });

  test('a damaged file is imported whole or refused with line-numbered problems; never a crash or a half write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (mutations, dryRun) => {
          const file = mutate(base, mutations);
          const before = await counts(target);
          try {
            const summary = await importTidy(target.deps, SYSTEM_ACTOR, file, { dryRun });
            const after = await counts(target);
            if (dryRun) expect(after).toEqual(before);
            else {
              expect(after.subjects - before.subjects).toBe(summary.subjects);
              expect(after.responses - before.responses).toBe(summary.responses);
            }
          } catch (error) {
            if (!(error instanceof RegistryError)) throw error;
            expect(error.code).toBe('IMPORT_FAILED');
            expect(error.message).not.toMatch(/internal error|duplicate key|violates/);
            for (const issue of error.issues) expect(issue.message).toMatch(/^line \d+, [a-z_ ]+\d*: /);
            expect(await counts(target)).toEqual(before);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
