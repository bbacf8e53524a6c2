import { describe, expect, test } from 'vitest';
import { HeldRows } from './import-held.js';

/** Rows as [line, visitOrd, instrOrd, instance, itemOrd]; the value is the line's text. */
function hold(rows: number[][]): HeldRows {
  const held = new HeldRows();
  for (const [line, v, f, n, i] of rows) held.push(line!, 'VCU', v!, f!, n!, i!, `line ${line}`);
  return held;
}

const lines = (held: HeldRows) => Array.from(held.walkOrder(), (i) => held.line[i]);

describe('a subject’s held rows', () => {
  test('rows read in walk order come back as read', () => {
    expect(
      lines(
        hold([
          [2, 0, -1, 1, 0],
          [3, 0, -1, 1, 1],
          [4, 0, 2, 1, 0],
          [5, 1, 0, 1, 3],
        ]),
      ),
    ).toEqual([2, 3, 4, 5]);
  });

  test('rows in any other order come back by visit, form, instance, item, then line', () => {
    const held = hold([
      [9, 1, 0, 1, 0],
      [8, 0, 2, 2, 0],
      [7, 0, 2, 1, 1],
      [6, 0, 2, 1, 0],
      [10, 0, 2, 1, 0],
    ]);
    expect(lines(held)).toEqual([6, 10, 7, 8, 9]);
    expect(held.value[held.walkOrder()[0]!]).toBe('line 6');
  });

  test('cleared, the columns are reused and the order is checked again', () => {
    const held = hold([
      [3, 1, 0, 1, 0],
      [2, 0, 0, 1, 0],
    ]);
    expect(lines(held)).toEqual([2, 3]);
    held.clear();
    held.push(4, 'VCU', 0, 0, 1, 0, 'a');
    held.push(5, 'VCU', 0, 0, 1, 1, 'b');
    expect(held.length).toBe(2);
    expect(lines(held)).toEqual([4, 5]);
  });
});
