import { describe, expect, test } from 'vitest';
import { doseHundredths, listedStopped, type MedicationDose, mmeByVisit, visitMmeDay } from './visit-mme.js';

const dose = (
  visit: string,
  mme: number | null,
  opioid: boolean | null,
  stopDate?: string,
): MedicationDose => ({
  visit,
  mmeHundredths: doseHundredths(mme),
  opioid,
  stopDate,
});

describe('MME/day by visit (CLINICAL.md: stop dates, missing not 0)', () => {
  test('sums the drugs still taken in exact hundredths, a drug listed with a stop date left out', () => {
    // The phone walk of issue 9: oxycodone 10 mg × 3 stopped, tramadol 50 mg × 2 added → 45 → 20.
    expect(
      mmeByVisit([
        dose('baseline', 45, true),
        dose('baseline', 0, false),
        dose('week2', 45, true, '2026-03-14'),
        dose('week2', 0, false),
        dose('week2', 20, true),
      ]),
    ).toEqual([
      { visit: 'baseline', mmeDay: 45 },
      { visit: 'week2', mmeDay: 20 },
    ]);
    // 0.1 + 0.2 in floating point is not 0.3; in hundredths it is.
    expect(mmeByVisit([dose('week4', 0.1, true), dose('week4', 0.2, true)])).toEqual([
      { visit: 'week4', mmeDay: 0.3 },
    ]);
  });

  test('an opioid still taken without an MME makes the visit missing; stopped, it does not', () => {
    expect(mmeByVisit([dose('week2', 30, true), dose('week2', null, true)])).toEqual([
      { visit: 'week2', mmeDay: null },
    ]);
    expect(mmeByVisit([dose('week2', 30, true), dose('week2', null, true, '2026-03-10')])).toEqual([
      { visit: 'week2', mmeDay: 30 },
    ]);
  });

  test('a review with only stopped drugs or non-opioids is 0, a visit without a review is missing', () => {
    expect(mmeByVisit([dose('week12', 45, true, '2026-05-01')])).toEqual([{ visit: 'week12', mmeDay: 0 }]);
    expect(visitMmeDay({ mmeHundredths: null, mmeUnknown: false }, true)).toBe(0);
    expect(visitMmeDay({ mmeHundredths: null, mmeUnknown: false }, false)).toBeNull();
  });

  test.each([
    ['2026-03-14', true],
    ['', false],
    [null, false],
    [undefined, false],
  ])('stop date %j listed: %s', (stopDate, stopped) => {
    expect(listedStopped(stopDate)).toBe(stopped);
  });
});
