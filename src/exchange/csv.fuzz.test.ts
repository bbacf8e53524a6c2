import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CsvError, csvLine, neutraliseCell, parseCsv, restoreCell } from './csv.js';
import { readCsv } from './csv-read.js';

// 1,000 cases in the suite; `npm run fuzz` runs 10,000 (FUZZ_RUNS).
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

// Cells as hostile as they come: the CSV specials, formula signs, quotes, controls, any text.
const cell = fc.oneof(
  fc.constantFrom(
    '',
    '"',
    '""',
    ',',
    '\n',
    '\r\n',
    '\r',
    "'",
    "'=1",
    '=1+1',
    '-2.5',
    '-',
    '@x',
    '\tx',
    ' x ',
  ),
  fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', "'", '=', '-', '+', '@', '\t', ' ', 'é') }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
// A record of one empty field is a blank line, which the reader skips by design.
const record = fc.array(cell, { minLength: 1, maxLength: 8 }).filter((r) => !(r.length === 1 && r[0] === ''));

async function readAll(chunks: Uint8Array[], encoding: 'utf8' | 'latin1' = 'utf8') {
  const out: string[][] = [];
  for await (const batch of readCsv(chunks, { encoding })) for (const r of batch) out.push(r.fields);
  return out;
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

describe('CSV parser properties', () => {
  test('whatever is written reads back exactly, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (rows, cuts) => {
          const bytes = Buffer.from(rows.map(csvLine).join(''), 'utf8');
          expect(parseCsv(bytes.toString('utf8')).map((r) => r.fields)).toEqual(rows);
          expect(await readAll(split(bytes, cuts))).toEqual(rows);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('any bytes either read or are refused with a CsvError naming a line, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom('utf8' as const, 'latin1' as const),
        async (bytes, cuts, encoding) => {
          try {
            const rows = await readAll(split(bytes, cuts), encoding);
            for (const r of rows) expect(r.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(CsvError);
            expect((error as CsvError).line).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('the same bytes give the same records or the same error, whole or split', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', "'", '=', 'é', '\u0000') });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 5 }), async (s, cuts) => {
        const bytes = Buffer.from(s, 'utf8');
        const outcome = async (chunks: Uint8Array[]) => {
          try {
            return { rows: await readAll(chunks) };
          } catch (error) {
            return { error: (error as Error).message };
          }
        };
        expect(await outcome(split(bytes, cuts))).toEqual(await outcome([bytes]));
      }),
      { numRuns: RUNS },
    );
  });

  test('formula neutralising is reversed exactly for every text', () => {
    fc.assert(
      fc.property(fc.oneof(cell, fc.string(), fc.constantFrom('+3', '-0.5', '+1e5', '-.5')), (value) => {
        const written = neutraliseCell(value);
        expect(restoreCell(written)).toBe(value);
        // What a spreadsheet could run as a formula is left only where it is a plain number (-2.5, +3).
        if (/^[=+\-@\t\r]/.test(written)) expect(written).toMatch(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i);
      }),
      { numRuns: RUNS },
    );
  });
});
