import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { addKeptRows, addReadRows, keptFor, tallyLines, type VisitTally } from './form-scan.js';

const US = '\x1f';
const line = (...fields: string[]) => fields.join(US);
const CODES = ['baseline', 'week2', 'week52'];

function tally(...lines: string[]): Map<string, Map<string, VisitTally>> {
  const tallies = new Map<string, Map<string, VisitTally>>();
  tallyLines(tallies, lines.join('\n'), CODES);
  return tallies;
}

describe('the scan tallies each form line into its subject and visit, as the per-visit aggregate did', () => {
  test('a visit with only an end-of-study or adverse event form is not seen; any other form makes it seen', () => {
    const t = tally(
      line('VCU-0001', 'week52', 'n'),
      line('VCU-0001', 'week2', 'n'),
      line('VCU-0001', 'week2', 'f', 'p3.5'),
    );
    expect(t.get('VCU-0001')!.get('week52')!.seen).toBe(false);
    expect(t.get('VCU-0001')!.get('week2')).toMatchObject({ seen: true, pain: 3.5 });
  });

  test('pain and ODI take the largest value of the visit; MME sums hundredths over the analgesics still taken', () => {
    const t = tally(
      line('VCU-0002', 'week2', 'f', 'p4'),
      line('VCU-0002', 'week2', 'f', 'p6.25', 'o44'),
      line('VCU-0002', 'week2', 'a', 'm1500', 'q1', 'doxycodone', 'i1'),
      line('VCU-0002', 'week2', 'a', 'm2250', 'q1', 'dtramadol', 'i2'),
      line('VCU-0002', 'week2', 'a', 'm0', 'q0', 'i3'),
    );
    expect(t.get('VCU-0002')!.get('week2')).toMatchObject({
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
    expect(t.get('VCU-0003')!.get('week2')).toMatchObject({
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
    expect(t.get('VCU-0004')!.get('week2')).toMatchObject({ mmeUnknown: true, opioid: true });
  });

  test('a visit code outside the protocol is kept as written; lines of one subject need not be adjacent', () => {
    const t = tally(
      line('VCU-0005', 'unscheduled', 'f', 'p2'),
      line('VCU-0006', 'baseline', 'f', 'p8'),
      line('VCU-0005', 'baseline', 'f', 'p7'),
    );
    expect([...t.get('VCU-0005')!.keys()]).toEqual(['unscheduled', 'baseline']);
    expect(t.get('VCU-0006')!.get('baseline')!.pain).toBe(8);
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
        expect(Object.is(t.get('VCU-0007')!.get('week2')!.pain, Number(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the answers read travel as JSON', () => {
  test('each read row has its study id, visit and items keyed by name, free text intact', () => {
    const rows: Record<string, unknown>[][] = [[], []];
    const reason = 'moved away\nline two\x1f "quoted" \u00e9';
    addReadRows(
      rows,
      [['status', 'reason', 'date'], ['scale']],
      `${JSON.stringify([0, 12, 'VCU-0001', 'week52', 'withdrawn', reason, null])},${JSON.stringify([1, 3, 'VCU-0001', 'baseline', 'vas'])}`,
    );
    expect(rows[0]).toEqual([
      { study_id: 'VCU-0001', visit: 'week52', id: 12, status: 'withdrawn', reason, date: null },
    ]);
    expect(rows[1]).toEqual([{ study_id: 'VCU-0001', visit: 'baseline', id: 3, scale: 'vas' }]);
  });
});

describe('the answers cohort_form keeps travel as positional JSON arrays', () => {
  const kept = { items: ['sex', 'scores.symptom_weeks'], visits: null };
  test('a read of kept items is served there; one with an item or visit not kept is read from response', () => {
    const read = (items: string[], scores: string[], visits: Set<string> | null) => ({
      instrument: 'eligibility',
      items: new Set(items),
      scores: new Set(scores),
      visits,
    });
    expect(keptFor(read(['sex'], ['symptom_weeks'], null), kept)).toBe(true);
    expect(keptFor(read(['sex', 'steroid_use'], [], null), kept)).toBe(false);
    expect(keptFor(read(['sex'], [], null), undefined)).toBe(false);
    const atBaseline = { items: ['scale'], visits: new Set(['baseline']) };
    expect(keptFor(read(['scale'], [], new Set(['baseline'])), atBaseline)).toBe(true);
    expect(keptFor(read(['scale'], [], new Set(['week2'])), atBaseline)).toBe(false);
    expect(keptFor(read(['scale'], [], null), atBaseline)).toBe(false);
  });

  test('each kept row is keyed by item name with study id, visit and id; other instruments and visits are left out', () => {
    const rows: Record<string, unknown>[] = [];
    const reads = new Map([['pain', { rows, visits: new Set(['baseline']), items: ['scale'] }]]);
    addKeptRows(
      reads,
      '["pain","VCU-0001","baseline",7,"vas"],["pain","VCU-0001","week2",9,"nrs"],["odi","VCU-0001","baseline",8,"x"]',
    );
    expect(rows).toEqual([{ study_id: 'VCU-0001', visit: 'baseline', id: 7, scale: 'vas' }]);
  });
});
