import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { tallyLines, VisitTallies } from './form-tally.js';
import { TextInterner } from './json-arrays.js';

const US = '\x1f';
const line = (...fields: string[]) => fields.join(US);
const CODES = ['baseline', 'week2', 'week52'];
const SUBJECTS = ['VCU-0001', 'VCU-0002', 'VCU-0003', 'VCU-0004', 'VCU-0005', 'VCU-0006', 'VCU-0007'];

function tally(...lines: string[]): VisitTallies {
  const tallies = new VisitTallies(SUBJECTS, CODES);
  tallyLines(tallies, lines.join('\n'));
  return tallies;
}

describe('the scan tallies each form line into its subject and visit, as the per-visit aggregate did', () => {
  test('a visit with only an end-of-study or adverse event form is not seen; any other form makes it seen', () => {
    const t = tally(
      line('VCU-0001', 'week52', 'n'),
      line('VCU-0001', 'week2', 'n'),
      line('VCU-0001', 'week2', 'f', 'p3.5'),
    );
    expect(t.visit('VCU-0001', 'week52')!.seen).toBe(false);
    expect(t.visit('VCU-0001', 'week2')).toMatchObject({ seen: true, pain: 3.5 });
  });

  test('pain and ODI take the largest value of the visit; MME sums hundredths over the analgesics still taken', () => {
    const t = tally(
      line('VCU-0002', 'week2', 'f', 'p4'),
      line('VCU-0002', 'week2', 'f', 'p6.25', 'o44'),
      line('VCU-0002', 'week2', 'a', 'm1500', 'q1', 'doxycodone', 'i1'),
      line('VCU-0002', 'week2', 'a', 'm2250', 'q1', 'dtramadol', 'i2'),
      line('VCU-0002', 'week2', 'a', 'm0', 'q0', 'i3'),
    );
    expect(t.visit('VCU-0002', 'week2')).toMatchObject({
      pain: 6.25,
      odi: 44,
      mmeHundredths: 3750,
      mmeUnknown: false,
      opioid: true,
      taken: [
        [1, 'oxycodone'],
        [2, 'tramadol'],
      ],
      stopped: null,
    });
  });

  test('an analgesic with a stop date has stopped: no opioid use or MME there, listed as stopped', () => {
    const t = tally(
      line('VCU-0003', 'week2', 'a', 'm3000', 'q1', 'doxycodone', 's2026-02-03', 'i1'),
      line('VCU-0003', 'week2', 'a', 'm0', 'q0', 'i2'),
    );
    expect(t.visit('VCU-0003', 'week2')).toMatchObject({
      opioid: false,
      mmeHundredths: 0,
      taken: null,
      stopped: [[1, 'oxycodone', '2026-02-03']],
    });
  });

  test('an opioid still taken without MME (no conversion factor) leaves MME unknown; the visit still counts opioid use', () => {
    const t = tally(
      line('VCU-0004', 'week2', 'a', 'q1', 'dbuprenorphine', 'i1'),
      line('VCU-0004', 'week2', 'a', 'm1500', 'q1', 'doxycodone', 'i2'),
    );
    expect(t.visit('VCU-0004', 'week2')).toMatchObject({ mmeUnknown: true, opioid: true });
  });

  test('a visit code outside the protocol is kept as written; lines of one subject need not be adjacent', () => {
    const t = tally(
      line('VCU-0005', 'unscheduled', 'f', 'p2'),
      line('VCU-0006', 'baseline', 'f', 'p8'),
      line('VCU-0005', 'baseline', 'f', 'p7'),
    );
    expect(t.visitsOf(t.subjectIndex('VCU-0005')).map(([visit]) => visit)).toEqual([
      'baseline',
      'unscheduled',
    ]);
    expect(t.visit('VCU-0005', 'unscheduled')!.pain).toBe(2);
    expect(t.visit('VCU-0006', 'baseline')!.pain).toBe(8);
  });

  test('every number is read exactly as Number reads its text (PostgreSQL writes floats shortest-exact)', () => {
    const text = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer({ min: 0, max: 100_000_000 }).map((n) => String(n / 10_000)),
      fc
        .integer({ min: -999_999, max: 999_999 })
        .map((n) => `${n}.${String(Math.abs(n) % 1000).padStart(3, '0')}`),
    );
    fc.assert(
      fc.property(text, (value) => {
        const t = tally(line('VCU-0007', 'week2', 'f', `p${value}`));
        expect(Object.is(t.visit('VCU-0007', 'week2')!.pain, Number(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the tallies are kept per subject and visit in flat arrays', () => {
  test('ranges merge into the same visit: max, sum and any across texts', () => {
    const tallies = new VisitTallies(SUBJECTS, CODES);
    const interner = new TextInterner();
    interner.seed(SUBJECTS);
    tallyLines(tallies, line('VCU-0001', 'week2', 'a', 'm1000', 'q1', 'dtramadol', 'i2'), interner);
    tallyLines(tallies, line('VCU-0001', 'week2', 'f', 'p4', 'o30'), interner);
    tallyLines(tallies, line('VCU-0001', 'week2', 'a', 'm500', 'q1', 'doxycodone', 'i1'), interner);
    expect(tallies.visit('VCU-0001', 'week2')).toEqual({
      seen: true,
      pain: 4,
      odi: 30,
      mmeHundredths: 1500,
      mmeUnknown: false,
      opioid: true,
      taken: [
        [2, 'tramadol'],
        [1, 'oxycodone'],
      ],
      stopped: null,
    });
  });

  test('a line of a study id that is no subject is not tallied; a visit without forms has no tally', () => {
    const t = tally(line('XYZ-0001', 'baseline', 'f', 'p5'), line('VCU-0001', 'baseline', 'f', 'p1'));
    expect(t.visit('XYZ-0001', 'baseline')).toBeUndefined();
    expect(t.visit('VCU-0001', 'baseline')!.pain).toBe(1);
    expect(t.visit('VCU-0001', 'week2')).toBeUndefined();
  });

  test('visits outside the protocol past the first slots: many of them, each its own', () => {
    const lines = Array.from({ length: 600 }, (_, i) =>
      line(SUBJECTS[i % 7]!, `extra${i}`, 'f', `p${i % 10}`),
    );
    const t = tally(...lines);
    expect(t.visit('VCU-0003', 'extra2')!.pain).toBe(2);
    expect(t.visit('VCU-0001', 'extra595')!.pain).toBe(5);
    expect(t.visitsOf(t.subjectIndex('VCU-0001'))).toHaveLength(86);
  });
});
