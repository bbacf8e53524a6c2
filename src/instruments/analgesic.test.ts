import { describe, expect, test } from 'vitest';
import type { RegistryError } from '../errors.js';
import { ANALGESIC, scoreAnalgesic } from './analgesic.js';
import { parseAnswers } from './answers.js';
import type { Answers, ScoringOptions } from './types.js';

const CDC_2022: ScoringOptions = { mmeTable: 'cdc-2022', odiMaxMissingSections: 2 };
const CDC_2016: ScoringOptions = { mmeTable: 'cdc-2016', odiMaxMissingSections: 2 };

const oral = (drug: string, strength: number, perDay: number): Answers => ({
  drug,
  strength,
  unit: 'mg',
  route: 'oral',
  doses_per_day: perDay,
});

describe('MME/day = daily dose × factor', () => {
  test.each<[string, Answers, ScoringOptions, number, number]>([
    ['codeine 30 mg × 4 (0.15)', oral('codeine', 30, 4), CDC_2022, 0.15, 18],
    ['hydrocodone 5 mg × 4 (1)', oral('hydrocodone', 5, 4), CDC_2022, 1, 20],
    ['hydromorphone 2 mg × 4, CDC 2022 (5)', oral('hydromorphone', 2, 4), CDC_2022, 5, 40],
    ['hydromorphone 2 mg × 4, CDC 2016 (4)', oral('hydromorphone', 2, 4), CDC_2016, 4, 32],
    ['methadone 10 mg × 2, CDC 2022 (4.7)', oral('methadone', 10, 2), CDC_2022, 4.7, 94],
    ['morphine 15 mg × 2 (1)', oral('morphine', 15, 2), CDC_2022, 1, 30],
    ['oxycodone 5 mg × 4 (1.5)', oral('oxycodone', 5, 4), CDC_2022, 1.5, 30],
    ['oxymorphone 5 mg × 2 (3)', oral('oxymorphone', 5, 2), CDC_2022, 3, 30],
    ['tapentadol 50 mg × 2 (0.4)', oral('tapentadol', 50, 2), CDC_2022, 0.4, 40],
    ['tramadol 50 mg × 4, CDC 2022 (0.2)', oral('tramadol', 50, 4), CDC_2022, 0.2, 40],
    ['tramadol 50 mg × 4, CDC 2016 (0.1)', oral('tramadol', 50, 4), CDC_2016, 0.1, 20],
  ])('%s', (_name, answers, options, factor, mme) => {
    const { scores, main } = scoreAnalgesic(answers, options);
    expect(scores).toMatchObject({
      is_opioid: true,
      mme_factor: factor,
      mme_day: mme,
      mme_table: options.mmeTable,
    });
    expect(main).toEqual({ mme_day: mme, opioid_any: true });
  });

  test.each([
    [20, 4, 80],
    [20.5, 8, 164],
    [21, 8, 168],
    [40, 8, 320],
    [41, 10, 410],
    [60, 10, 600],
    [61, 12, 732],
  ])('CDC 2016 methadone %d mg/day uses the band factor %d → %d MME', (mgPerDay, factor, mme) => {
    const { scores } = scoreAnalgesic(oral('methadone', mgPerDay, 1), CDC_2016);
    expect(scores).toMatchObject({ daily_dose: mgPerDay, mme_factor: factor, mme_day: mme });
  });

  test('bands methadone 2016 by the total daily dose, not the strength: 15 mg × 2 = 30 mg → 8', () => {
    expect(scoreAnalgesic(oral('methadone', 15, 2), CDC_2016).scores).toMatchObject({
      mme_factor: 8,
      mme_day: 240,
    });
  });

  test('fentanyl patch: 25 mcg/hr × 2.4 = 60 MME, doses per day not multiplied, never 7.2 per mcg', () => {
    const answers: Answers = {
      drug: 'fentanyl_transdermal',
      strength: 25,
      unit: 'mcg_per_hr',
      route: 'transdermal',
      doses_per_day: 3,
    };
    const { scores, main } = scoreAnalgesic(answers, CDC_2022);
    expect(scores).toMatchObject({ daily_dose: 25, mme_factor: 2.4, mme_day: 60 });
    expect(main.mme_day).not.toBe(25 * 7.2);
  });

  test('buprenorphine counts as opioid use with no MME', () => {
    const { scores, main } = scoreAnalgesic(
      { drug: 'buprenorphine', strength: 10, unit: 'mcg_per_hr' },
      CDC_2022,
    );
    expect(scores).toMatchObject({
      is_opioid: true,
      mme_factor: null,
      mme_day: null,
      mme_reason: 'no_factor',
    });
    expect(main).toEqual({ mme_day: null, opioid_any: true });
  });

  test.each(['acetaminophen', 'nsaid', 'gabapentinoid', 'other_nonopioid'])(
    '%s is no opioid and 0 MME',
    (drug) => {
      const { scores, main } = scoreAnalgesic(oral(drug, 500, 3), CDC_2022);
      expect(scores).toMatchObject({ is_opioid: false, daily_dose: 1500, mme_day: 0, mme_reason: null });
      expect(main).toEqual({ mme_day: 0, opioid_any: false });
    },
  );

  test('an opioid without a dose is opioid use with MME not computed', () => {
    expect(scoreAnalgesic({ drug: 'oxycodone' }, CDC_2022)).toEqual({
      scores: {
        is_opioid: true,
        daily_dose: null,
        mme_table: 'cdc-2022',
        mme_factor: null,
        mme_day: null,
        mme_reason: 'dose_missing',
      },
      main: { mme_day: null, opioid_any: true },
    });
  });

  test('scoring a drug missing from the factor table throws UNKNOWN_DRUG', () => {
    expect(() => scoreAnalgesic(oral('heroin', 10, 2), CDC_2022)).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_DRUG', name: 'RegistryError' }) as unknown as RegistryError,
    );
  });
});

describe('analgesic validation', () => {
  test('an unknown drug is an issue on drug that lists the allowed codes', () => {
    const result = parseAnswers(ANALGESIC, {
      drug: 'heroin',
      strength: '10',
      unit: 'mg',
      doses_per_day: '2',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ path: ['drug'], code: 'invalid_choice' });
    expect(result.issues[0]?.message).toMatch(
      /^analgesic drug "heroin" is not one of: codeine, fentanyl_transdermal, .*, tramadol, buprenorphine, acetaminophen/,
    );
  });

  test.each([
    [
      { drug: 'fentanyl_transdermal', strength: '25', unit: 'mg' },
      'analgesic unit mg does not fit fentanyl_transdermal; use mcg_per_hr',
    ],
    [
      { drug: 'oxycodone', strength: '5', unit: 'mcg_per_hr', doses_per_day: '4' },
      'analgesic unit mcg_per_hr does not fit oxycodone; use mg',
    ],
  ])('a unit that does not fit the drug is an issue on unit: %j', (raw, message) => {
    expect(parseAnswers(ANALGESIC, raw)).toEqual({
      ok: false,
      issues: [{ path: ['unit'], code: 'unit_mismatch', message }],
    });
  });

  test('buprenorphine may be a patch (mcg/hr) or tablets (mg)', () => {
    expect(parseAnswers(ANALGESIC, { drug: 'buprenorphine', strength: '10', unit: 'mcg_per_hr' }).ok).toBe(
      true,
    );
    expect(
      parseAnswers(ANALGESIC, { drug: 'buprenorphine', strength: '2', unit: 'mg', doses_per_day: '1' }).ok,
    ).toBe(true);
  });

  test('a stop date before the start date is an issue on stop_date', () => {
    expect(
      parseAnswers(ANALGESIC, { drug: 'nsaid', start_date: '2026-03-10', stop_date: '2026-03-01' }),
    ).toEqual({
      ok: false,
      issues: [
        {
          path: ['stop_date'],
          code: 'out_of_order',
          message: 'analgesic stop_date 2026-03-01 is before start_date 2026-03-10',
        },
      ],
    });
  });

  test('stopping on the start day is fine', () => {
    expect(
      parseAnswers(ANALGESIC, { drug: 'nsaid', start_date: '2026-03-10', stop_date: '2026-03-10' }).ok,
    ).toBe(true);
  });

  test('an opioid needs strength, unit and doses per day to be converted', () => {
    expect(parseAnswers(ANALGESIC, { drug: 'morphine' })).toEqual({
      ok: false,
      issues: [
        {
          path: ['strength'],
          code: 'required',
          message: 'analgesic strength is required for opioid morphine',
        },
        { path: ['unit'], code: 'required', message: 'analgesic unit is required for opioid morphine' },
        {
          path: ['doses_per_day'],
          code: 'required',
          message: 'analgesic doses_per_day is required for opioid morphine',
        },
      ],
    });
  });

  test('a fentanyl patch needs no doses per day but must be transdermal', () => {
    const raw = { drug: 'fentanyl_transdermal', strength: '12', unit: 'mcg_per_hr', route: 'oral' };
    expect(parseAnswers(ANALGESIC, raw)).toEqual({
      ok: false,
      issues: [
        {
          path: ['route'],
          code: 'route_mismatch',
          message: 'analgesic route oral does not fit fentanyl_transdermal',
        },
      ],
    });
  });
});

describe('implausible doses are refused before they are scored', () => {
  const text = (drug: string, strength: string, perDay: string, unit = 'mg') => ({
    drug,
    strength,
    unit,
    route: unit === 'mg' ? 'oral' : 'transdermal',
    doses_per_day: perDay,
  });

  test('strength 1e308 × 24 is refused (it would store MME/day = Infinity)', () => {
    const result = parseAnswers(ANALGESIC, text('morphine', '1e308', '24'));
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: ['strength'],
          code: 'implausible',
          message: 'analgesic strength 1e+308 mg is above the plausible maximum of 1000 mg per dose',
        },
      ],
    });
  });

  test('5000 mg morphine × 24 (120,000 MME/day) is refused by the strength limit', () => {
    const result = parseAnswers(ANALGESIC, text('morphine', '5000', '24'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.code)).toEqual(['implausible']);
  });

  test('a daily dose above the protocol MME/day limit is refused, naming the dose', () => {
    // 1000 mg hydromorphone × 24 × 5 = 120,000 MME/day; each dose is within the strength limit.
    const result = parseAnswers(ANALGESIC, text('hydromorphone', '1000', '24'));
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: ['strength'],
          code: 'implausible',
          message:
            'analgesic daily dose of hydromorphone is 120,000 MME/day, above the plausible maximum of 2,000 MME/day; check strength and doses_per_day',
        },
      ],
    });
  });

  test('the protocol sets the limits', () => {
    const strict: ScoringOptions = {
      ...CDC_2022,
      plausibility: { maxMmeDay: 100, maxStrength: { mg: 1000, mcg_per_hr: 400 } },
    };
    const answers = text('oxycodone', '20', '4'); // 120 MME/day
    expect(parseAnswers(ANALGESIC, answers).ok).toBe(true);
    expect(parseAnswers(ANALGESIC, answers, { rules: strict }).ok).toBe(false);
  });

  test('a fentanyl patch above the mcg/hr limit is refused; a real one passes', () => {
    expect(parseAnswers(ANALGESIC, text('fentanyl_transdermal', '100', '', 'mcg_per_hr')).ok).toBe(true);
    const result = parseAnswers(ANALGESIC, text('fentanyl_transdermal', '5000', '', 'mcg_per_hr'));
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]?.message).toBe(
        'analgesic strength 5000 mcg/hr is above the plausible maximum of 400 mcg/hr per dose',
      );
  });

  test.each([
    ['-5', 'too_small'],
    ['abc', 'invalid_number'],
  ])('an invalid strength (%s) is reported once, never also as "required"', (strength, code) => {
    const result = parseAnswers(ANALGESIC, text('morphine', strength, '4'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.path[0], i.code])).toEqual([['strength', code]]);
  });

  test('scoring never returns an infinite MME, even for unvalidated answers', () => {
    expect(() => scoreAnalgesic(oral('morphine', 1e308, 24), CDC_2022)).toThrow(/not a finite number/);
  });
});
