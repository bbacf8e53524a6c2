import { describe, expect, test } from 'vitest';
import {
  formatAnswer,
  isIsoDate,
  latestToday,
  parseAnswers,
  parseAnswerText,
  scoreAnswers,
  validateAnswers,
  validationContext,
} from './answers.js';
import { PAIN } from './pain.js';
import { PHYSICAL_THERAPY } from './physical-therapy.js';
import { type AnswerValue, DEFAULT_SCORING, type InstrumentDef, type ItemDef } from './types.js';

const item = (type: ItemDef['type'], extra: Partial<ItemDef> = {}): ItemDef => ({
  id: 'x',
  label: 'X',
  type,
  ...extra,
});
const INTEGER = item('integer', { min: 0, max: 10 });
const DECIMAL = item('decimal', { min: -6, max: 100 });
const CHOICE = item('choice', {
  choices: [
    { code: 'a', label: 'A' },
    { code: 'b', label: 'B' },
  ],
});
const MULTI = item('multichoice', {
  choices: [
    { code: 'a', label: 'A' },
    { code: 'b', label: 'B' },
    { code: 'c', label: 'C' },
  ],
});
const PATTERNED = item('text', { pattern: '^[A-Z]{3}$', patternExample: 'VCU' });

describe('parseAnswerText', () => {
  test.each<[string, ItemDef, string, AnswerValue]>([
    ['integer', INTEGER, '7', 7],
    ['integer with blanks and leading zero', INTEGER, ' 007 ', 7],
    ['decimal', DECIMAL, '35.5', 35.5],
    ['negative decimal', DECIMAL, '-2.5', -2.5],
    ['decimal without leading digit', DECIMAL, '.5', 0.5],
    ['minus zero as zero', DECIMAL, '-0', 0],
    ['boolean true', item('boolean'), 'true', true],
    ['boolean yes', item('boolean'), 'Yes', true],
    ['boolean 0', item('boolean'), '0', false],
    ['leap day', item('date'), '2024-02-29', '2024-02-29'],
    ['time with one-digit hour', item('time'), '9:05', '09:05'],
    ['choice', CHOICE, 'b', 'b'],
    ['multichoice in definition order without repeats', MULTI, 'c|a|c', ['a', 'c']],
    ['text trimmed', item('text'), '  hello ', 'hello'],
    ['text matching its pattern', PATTERNED, 'VCU', 'VCU'],
  ])('reads %s', (_name, def, text, value) => {
    expect(parseAnswerText(def, text)).toEqual({ ok: true, value });
  });

  test.each<[string, ItemDef, string, string, string]>([
    ['a fraction for an integer', INTEGER, '7.5', 'not_integer', 'x "7.5" is not a whole number'],
    ['an integer above the maximum', INTEGER, '11', 'too_big', 'x 11 is above the maximum 10'],
    ['a decimal below the minimum', DECIMAL, '-7', 'too_small', 'x -7 is below the minimum -6'],
    ['words for a number', DECIMAL, 'seven', 'invalid_number', 'x "seven" is not a number'],
    ['an undecided boolean', item('boolean'), 'maybe', 'invalid_boolean', 'x "maybe" is not true or false'],
    [
      '29 February of a common year',
      item('date'),
      '2023-02-29',
      'invalid_date',
      'x "2023-02-29" is not a real date YYYY-MM-DD',
    ],
    ['month 13', item('date'), '2026-13-01', 'invalid_date', 'x "2026-13-01" is not a real date YYYY-MM-DD'],
    ['a US date', item('date'), '03/02/2026', 'invalid_date', 'x "03/02/2026" is not a real date YYYY-MM-DD'],
    ['hour 24', item('time'), '24:00', 'invalid_time', 'x "24:00" is not a time HH:MM'],
    ['an unknown choice', CHOICE, 'z', 'invalid_choice', 'x "z" is not one of: a, b'],
    ['an empty code in a multichoice', MULTI, 'a||b', 'invalid_choice', 'x "" is not one of: a, b, c'],
    ['text off its pattern', PATTERNED, 'vcu', 'pattern', 'x "vcu" is not in the expected form (like VCU)'],
    ['blank text', item('text'), '   ', 'empty', 'x is empty'],
  ])('refuses %s', (_name, def, text, code, message) => {
    expect(parseAnswerText(def, text)).toEqual({ ok: false, code, message });
  });

  test('refuses text longer than 2000 characters', () => {
    expect(parseAnswerText(item('text'), 'a'.repeat(2001))).toMatchObject({ ok: false, code: 'too_long' });
  });
});

describe('formatAnswer', () => {
  test.each<[ItemDef, AnswerValue, string]>([
    [INTEGER, 7, '7'],
    [DECIMAL, 35.55555555555556, '35.55555555555556'],
    [DECIMAL, 1e-7, '1e-7'],
    [item('boolean'), false, 'false'],
    [item('date'), '2026-03-02', '2026-03-02'],
    [item('time'), '09:05', '09:05'],
    [MULTI, ['c', 'a'], 'a|c'],
    [item('text'), 'a, "quoted" text', 'a, "quoted" text'],
  ])('writes %j as canonical text and reads it back', (def, value, text) => {
    expect(formatAnswer(def, value)).toBe(text);
    const back = parseAnswerText(def, text);
    expect(back).toEqual({ ok: true, value: Array.isArray(value) ? ['a', 'c'] : value });
  });

  test.each<[ItemDef, string, string]>([
    [INTEGER, '007', '7'],
    [DECIMAL, '1.50', '1.5'],
    [item('boolean'), 'yes', 'true'],
    [item('time'), '9:05', '09:05'],
    [MULTI, 'b|a', 'a|b'],
  ])('makes %s text canonical: %s → %s', (def, text, canonical) => {
    const parsed = parseAnswerText(def, text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(formatAnswer(def, parsed.value)).toBe(canonical);
  });
});

describe('parseAnswers', () => {
  test('parses a complete CSV response to typed answers', () => {
    expect(parseAnswers(PAIN, { scale: 'nrs', score: '7' })).toEqual({
      ok: true,
      answers: { scale: 'nrs', score: 7 },
      missing: {},
    });
  });

  test('reports unknown items, bad values and missing required items together, each on its item', () => {
    const result = parseAnswers(PAIN, { scale: 'nrs', score: 'high', worst: '9' });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: ['score'], code: 'invalid_number', message: 'pain score "high" is not a number' },
        { path: ['worst'], code: 'unknown_item', message: 'pain has no item "worst" (items: scale, score)' },
      ],
    });
  });

  test('counts a blank cell as unanswered, so a blank required item is reported missing', () => {
    expect(parseAnswers(PAIN, { scale: 'nrs', score: ' ' })).toEqual({
      ok: false,
      issues: [{ path: ['score'], code: 'required', message: 'pain score is required' }],
    });
  });

  test("runs the instrument's cross-item checks after parsing", () => {
    expect(parseAnswers(PAIN, { scale: 'nrs', score: '12' })).toEqual({
      ok: false,
      issues: [
        { path: ['score'], code: 'too_big', message: 'pain score 12 is above the maximum 10 for NRS' },
      ],
    });
  });
});

describe('validateAnswers', () => {
  test('accepts numbers as numbers or numeric text, and booleans as booleans or text', () => {
    expect(validateAnswers(PHYSICAL_THERAPY, { pt_referred: 'yes', sessions: '12' })).toEqual({
      ok: true,
      answers: { pt_referred: true, sessions: 12 },
      missing: {},
    });
    expect(validateAnswers(PHYSICAL_THERAPY, { pt_referred: true, sessions: 12 })).toEqual({
      ok: true,
      answers: { pt_referred: true, sessions: 12 },
      missing: {},
    });
  });

  test('treats null, empty text and empty lists as unanswered', () => {
    expect(
      validateAnswers(PHYSICAL_THERAPY, { pt_referred: null, pt_start_date: '', sessions: undefined }),
    ).toEqual({
      ok: true,
      answers: {},
      missing: {},
    });
  });

  test('names the item and the expected type when the JSON type is wrong', () => {
    const result = validateAnswers(PHYSICAL_THERAPY, {
      pt_referred: 1,
      sessions: [3],
      pt_start_date: 20260302,
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: ['pt_referred'],
          code: 'invalid_type',
          message: 'physical_therapy pt_referred must be true or false (got a number)',
        },
        {
          path: ['sessions'],
          code: 'invalid_type',
          message: 'physical_therapy sessions must be a whole number (got a list)',
        },
        {
          path: ['pt_start_date'],
          code: 'invalid_type',
          message: 'physical_therapy pt_start_date must be a date YYYY-MM-DD (got a number)',
        },
      ],
    });
  });

  test('accepts multichoice as a list of codes and puts them in definition order', () => {
    const def: InstrumentDef = {
      id: 'demo',
      version: '1',
      title: 'Demo',
      repeating: false,
      items: [{ ...MULTI }],
    };
    expect(validateAnswers(def, { x: ['c', 'b'] })).toEqual({
      ok: true,
      answers: { x: ['b', 'c'] },
      missing: {},
    });
    expect(validateAnswers(def, { x: 'c|b' })).toEqual({ ok: true, answers: { x: ['b', 'c'] }, missing: {} });
  });
});

describe('scoreAnswers', () => {
  test('gives empty scores for an instrument without a scoring rule', () => {
    expect(scoreAnswers(PHYSICAL_THERAPY, { sessions: 3 })).toEqual({ scores: {}, main: {} });
  });

  test("uses the instrument's rule", () => {
    expect(scoreAnswers(PAIN, { scale: 'vas', score: 45 }).main).toEqual({ pain_nrs: 4.5 });
  });
});

describe('refused at the door', () => {
  const DATE = item('date');
  const TEXT = item('text');

  test.each([
    ['0001-01-01', 'too_early', 'x 0001-01-01 is before 1900-01-01, too early to be plausible'],
    ['1899-12-31', 'too_early', 'x 1899-12-31 is before 1900-01-01, too early to be plausible'],
    ['0099-02-29', 'invalid_date', 'x "0099-02-29" is not a real date YYYY-MM-DD'],
  ])('%s is a real date but refused as %s, never "not a real date" when it is one', (text, code, message) => {
    expect(parseAnswerText(DATE, text)).toEqual({ ok: false, code, message });
  });

  test('years 0–99 are read as written, not as 1900–1999', () => {
    expect(isIsoDate('0001-01-01')).toBe(true);
    expect(isIsoDate('0004-02-29')).toBe(true);
    expect(isIsoDate('0100-02-29')).toBe(false);
    expect(parseAnswerText(DATE, '1900-01-01')).toEqual({ ok: true, value: '1900-01-01' });
  });

  test.each([
    ['a NUL byte', 'Dr\u0000Who', 'x contains a NUL character (\\u0000), which cannot be stored'],
    ['a lone surrogate', 'Dr \ud800 Who', 'x contains a broken Unicode character (a lone surrogate)'],
  ])('text with %s is refused at validation', (_what, text, message) => {
    expect(parseAnswerText(TEXT, text)).toEqual({ ok: false, code: 'invalid_text', message });
    expect(parseAnswerText(TEXT, 'Dr 😀 Who')).toEqual({ ok: true, value: 'Dr 😀 Who' });
  });

  const FORM: InstrumentDef = {
    id: 'f',
    version: '1',
    title: 'F',
    repeating: false,
    items: [
      { id: 'done_on', label: 'Done on', type: 'date' },
      { id: 'planned_on', label: 'Planned on', type: 'date', allowFuture: true },
    ],
  };
  // 08:00 UTC: the latest date on Earth (UTC+14) is still 2026-03-01.
  const context = validationContext(DEFAULT_SCORING, new Date('2026-03-01T08:00:00Z'));

  test.each(['2026-03-02', '9999-12-31'])('a date after today (%s) is refused against the clock', (date) => {
    expect(parseAnswers(FORM, { done_on: date }, context)).toEqual({
      ok: false,
      issues: [
        {
          path: ['done_on'],
          code: 'in_future',
          message: `f done_on ${date} is in the future (today is 2026-03-01)`,
        },
      ],
    });
    expect(validateAnswers(FORM, { done_on: date }, context).ok).toBe(false);
  });

  test('today, and a planned day in the future, are accepted', () => {
    expect(parseAnswers(FORM, { done_on: '2026-03-01', planned_on: '2026-06-01' }, context).ok).toBe(true);
  });

  test('today is the latest date anywhere, so a site east of UTC can enter its own today', () => {
    expect(latestToday(new Date('2026-03-01T10:00:00Z'))).toBe('2026-03-02');
    expect(latestToday(new Date('2026-03-01T09:59:59Z'))).toBe('2026-03-01');
  });
});
