import { describe, expect, test } from 'vitest';
import { AnswerColumns } from './answer-columns.js';
import { addKeptRows, addReadRows, keptFor } from './form-scan.js';
import { TextInterner } from './json-arrays.js';

/** The forms of `columns` as one row each, keyed by item, with study id, visit and id. */
function rowsOf(columns: AnswerColumns): Record<string, unknown>[] {
  return columns.ids.map((id, r) => {
    const row: Record<string, unknown> = { study_id: columns.studyIds[r], visit: columns.visits[r], id };
    columns.items.forEach((item, j) => {
      row[item] = columns.values[j]![r];
    });
    return row;
  });
}

describe('the answers read travel as JSON', () => {
  test('each read row has its study id, visit and items keyed by name, free text intact', () => {
    const columns = [new AnswerColumns(['status', 'reason', 'date']), new AnswerColumns(['scale'])];
    const reason = 'moved away\nline two\x1f "quoted" \u00e9';
    addReadRows(
      columns,
      `${JSON.stringify([0, 12, 'VCU-0001', 'week52', 'withdrawn', reason, null])},${JSON.stringify([1, 3, 'VCU-0001', 'baseline', 'vas'])}`,
      new TextInterner(),
    );
    expect(rowsOf(columns[0]!)).toEqual([
      { study_id: 'VCU-0001', visit: 'week52', id: 12, status: 'withdrawn', reason, date: null },
    ]);
    expect(rowsOf(columns[1]!)).toEqual([{ study_id: 'VCU-0001', visit: 'baseline', id: 3, scale: 'vas' }]);
  });

  test("PostgreSQL's json text with spaces after its commas reads the same", () => {
    const columns = [new AnswerColumns(['status', 'reason'])];
    addReadRows(
      columns,
      '[0, 12, "VCU-0001", "week52", "withdrawn", null], [0, 13, "VCU-0002", "week52", "lost", "x"]',
      new TextInterner(),
    );
    expect(rowsOf(columns[0]!)).toEqual([
      { study_id: 'VCU-0001', visit: 'week52', id: 12, status: 'withdrawn', reason: null },
      { study_id: 'VCU-0002', visit: 'week52', id: 13, status: 'lost', reason: 'x' },
    ]);
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
    const columns = new AnswerColumns(['scale']);
    const reads = new Map([['pain', { columns, visits: new Set(['baseline']) }]]);
    addKeptRows(
      reads,
      '["pain","VCU-0001","baseline",7,"vas"],["pain","VCU-0001","week2",9,"nrs"],["odi","VCU-0001","baseline",8,"x"]',
      new TextInterner(),
    );
    expect(rowsOf(columns)).toEqual([{ study_id: 'VCU-0001', visit: 'baseline', id: 7, scale: 'vas' }]);
  });

  test('a form with fewer values than items kept reads the rest as undefined; one with more skips them', () => {
    const columns = new AnswerColumns(['a', 'b']);
    const reads = new Map([['x', { columns, visits: null }]]);
    addKeptRows(
      reads,
      '["x","S-1","v",1,"p"],["x","S-2","v",2,"p","q","r"],["x","S-3","v",3,"s","t"]',
      new TextInterner(),
    );
    expect(rowsOf(columns)).toEqual([
      { study_id: 'S-1', visit: 'v', id: 1, a: 'p', b: undefined },
      { study_id: 'S-2', visit: 'v', id: 2, a: 'p', b: 'q' },
      { study_id: 'S-3', visit: 'v', id: 3, a: 's', b: 't' },
    ]);
  });

  test("a subject's study id is read as the subject's own string, the same for each of its forms", () => {
    const subject = ['VCU-', '0001'].join('');
    const keys = new TextInterner();
    keys.seed([subject]);
    const columns = new AnswerColumns(['scale']);
    const reads = new Map([['pain', { columns, visits: null }]]);
    addKeptRows(
      reads,
      '["pain","VCU-0001","baseline",7,"vas"],["pain","VCU-0001","week2",9,"vas"],["pain","VCU-0002","week2",10,"vas"]',
      new TextInterner(),
      keys,
    );
    expect(columns.studyIds).toEqual(['VCU-0001', 'VCU-0001', 'VCU-0002']);
    expect(columns.studyIds[0]).toBe(subject);
    expect(columns.studyIds[1]).toBe(subject);
  });
});
