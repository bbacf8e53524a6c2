import { expect, test } from 'vitest';
import { ODI, PAIN, parseAnswers } from '../instruments/index.js';
import { tidyRows } from './tidy.js';

const where = { studyId: 'VCU-0001', site: 'VCU', visit: 'week2', instance: 1 };

test('an item marked missing is written with the reserved value, in item order, and reads back as the code', () => {
  const rows = tidyRows({ ...where, def: PAIN, answers: { scale: 'nrs' }, missing: { score: 'declined' } });
  expect(rows.map((r) => [r.item, r.value])).toEqual([
    ['scale', 'nrs'],
    ['score', '[missing:declined]'],
  ]);
  const cells = Object.fromEntries(rows.map((r) => [r.item, r.value]));
  expect(parseAnswers(PAIN, cells)).toEqual({
    ok: true,
    answers: { scale: 'nrs' },
    missing: { score: 'declined' },
  });
});

test('ODI with coded sections round-trips through tidy text: answers and codes as they were', () => {
  const answers = Object.fromEntries(ODI.items.slice(0, 8).map((i) => [i.id, ['3']]));
  const missing = { s9_social_life: 'not_applicable', s10_travelling: 'unknown' } as const;
  const rows = tidyRows({ ...where, def: ODI, answers, missing });
  expect(rows).toHaveLength(10);
  const cells = Object.fromEntries(rows.map((r) => [r.item, r.value]));
  expect(parseAnswers(ODI, cells)).toEqual({ ok: true, answers, missing });
});

test('a response without codes gives the rows it always gave', () => {
  const rows = tidyRows({ ...where, def: PAIN, answers: { scale: 'vas', score: 55 } });
  expect(rows.map((r) => r.value)).toEqual(['vas', '55']);
});
