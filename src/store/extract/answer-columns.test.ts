import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AnswerColumns, answerColumns, orderById } from './answer-columns.js';

describe('answers are kept as columns and put in the order the forms were saved', () => {
  test('the order by id is the order a stable sort gives, for any ids', () => {
    const stable = (ids: number[]) => Array.from(ids.keys()).sort((a, b) => ids[a]! - ids[b]!);
    const id = fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), (ids) => {
        expect(Array.from(orderById(ids))).toEqual(stable(ids));
      }),
      { numRuns: 500 },
    );
    expect(Array.from(orderById([2 ** 40, -1, 3]))).toEqual([1, 2, 0]);
  });

  test('sorting moves every column with its form', () => {
    const columns = new AnswerColumns(['a', 'b']);
    [
      [30, 'S-3', 'v3', 'x3', null],
      [10, 'S-1', 'v1', 'x1', 'y1'],
      [20, 'S-2', 'v2', undefined, 'y2'],
    ].forEach(([id, studyId, visit, a, b]) => {
      columns.ids.push(id as number);
      columns.studyIds.push(studyId as string);
      columns.visits.push(visit as string);
      columns.values[0]!.push(a);
      columns.values[1]!.push(b);
    });
    columns.sortById();
    expect(columns.ids).toEqual([10, 20, 30]);
    expect(columns.studyIds).toEqual(['S-1', 'S-2', 'S-3']);
    expect(columns.visits).toEqual(['v1', 'v2', 'v3']);
    expect(columns.column('a')).toEqual(['x1', undefined, 'x3']);
    expect(columns.column('b')).toEqual(['y1', 'y2', null]);
    expect(columns.column('not read')).toEqual([]);
  });

  test("rows keyed by item (the staff views' reads) become columns of every item they carry", () => {
    const columns = answerColumns([
      { study_id: 'S-1', visit: 'baseline', bone_med: 'none' },
      { study_id: 'S-2', dxa_done: 'true' },
    ]);
    expect(columns.size).toBe(2);
    expect(columns.studyIds).toEqual(['S-1', 'S-2']);
    expect(columns.column('bone_med')).toEqual(['none', undefined]);
    expect(columns.column('dxa_done')).toEqual([undefined, 'true']);
  });
});
