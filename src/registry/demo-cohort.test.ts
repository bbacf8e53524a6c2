import { expect, test } from 'vitest';
import { demoCohortCsv } from './demo.js';

const TODAY = '2026-03-02';

test('the demo cohort writes no date after today, so the registry accepts every form it generates', () => {
  // 10,000 subjects, seed 1: before the fix two bone-medication start dates fell after today.
  const future = demoCohortCsv(10_000, 1, TODAY)
    .split('\n')
    .filter((line) => {
      const [, , , , , item, value = ''] = line.split(',');
      return item !== 'index_date' && /^\d{4}-\d{2}-\d{2}$/.test(value) && value > TODAY;
    });
  expect(future).toEqual([]);
});
