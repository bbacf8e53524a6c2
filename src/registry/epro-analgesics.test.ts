import { describe, expect, test } from 'vitest';
import { type CarriedMedicine, perDayAnswer, placeAnalgesics, strengthAnswer } from './epro-analgesics.js';

const oxycodone: CarriedMedicine = {
  instance: 1,
  visit: 'baseline',
  drug: 'oxycodone',
  strength: 10,
  unit: 'mg',
  route: 'oral',
  dosesPerDay: 3,
  startDate: '2026-02-20',
  words: 'Oxycodone 10 mg tablet, 3 a day',
  strengths: [5, 10, 15, 20, 30],
  patch: false,
};
const fentanyl: CarriedMedicine = {
  instance: 2,
  visit: 'baseline',
  drug: 'fentanyl_transdermal',
  strength: 25,
  unit: 'mcg_per_hr',
  route: 'transdermal',
  dosesPerDay: null,
  startDate: null,
  words: 'Fentanyl 25 mcg/h patch',
  strengths: [12, 25, 50, 75, 100],
  patch: true,
};
const page = { added: [], none: false, other: '', done: true };

describe('placing the analgesics page as forms, nothing guessed', () => {
  test('taken differently: the new strength and doses; a patch has no doses per day', () => {
    const placed = placeAnalgesics([oxycodone, fentanyl], {
      ...page,
      carried: {
        '1': { answer: 'changed', strength: 5, perDay: 2 },
        '2': { answer: 'changed', strength: 50, perDay: null },
      },
    });
    expect(placed.forms.map((f) => [f.answers, f.words])).toEqual([
      [
        {
          drug: 'oxycodone',
          strength: 5,
          unit: 'mg',
          route: 'oral',
          doses_per_day: 2,
          start_date: '2026-02-20',
        },
        'Oxycodone 5 mg tablet, 2 a day',
      ],
      [
        { drug: 'fentanyl_transdermal', strength: 50, unit: 'mcg_per_hr', route: 'transdermal' },
        'Fentanyl 50 mcg/h patch',
      ],
    ]);
    expect(placed.unplaced).toEqual([]);
  });

  test('a strength "not sure", an unanswered medicine and free text go to the site as text', () => {
    const placed = placeAnalgesics([oxycodone, fentanyl], {
      ...page,
      carried: { '1': { answer: 'changed', strength: 'unsure', perDay: 2 } },
      added: [
        { key: 'morphine', strength: 'unsure', perDay: null },
        { key: 'fentanyl_patch', strength: 12, perDay: null },
      ],
      other: '  the blue pills ',
    });
    expect(placed.forms.map((f) => f.answers)).toEqual([
      { drug: 'fentanyl_transdermal', strength: 12, unit: 'mcg_per_hr', route: 'transdermal' },
    ]);
    expect(placed.unplaced).toEqual([
      'Oxycodone 10 mg tablet, 3 a day: taken differently, strength not sure, 2 a day',
      'Fentanyl 25 mcg/h patch: not answered',
      'Morphine (strength not sure)',
      'the blue pills',
    ]);
  });

  test('a form field is a listed strength or "unsure", and 1–8 a day; anything else is no answer', () => {
    expect(strengthAnswer('10', [5, 10])).toBe(10);
    expect(strengthAnswer('unsure', [5, 10])).toBe('unsure');
    expect(strengthAnswer('12', [5, 10])).toBeNull();
    expect(strengthAnswer('', [5, 10])).toBeNull();
    expect([perDayAnswer('3'), perDayAnswer('9'), perDayAnswer(''), perDayAnswer('2.5')]).toEqual([
      3,
      null,
      null,
      null,
    ]);
  });
});
