import { describe, expect, test } from 'vitest';
import { ANALGESIC } from './analgesic.js';
import { parseAnswers, scoreAnswers, validateAnswers } from './answers.js';
import { INSTRUMENT_LIST } from './catalog.js';
import { ENROLLMENT } from './enrollment.js';
import { formatMissing, MISSING_CODES, parseMissingText, reservedText } from './missing-codes.js';
import { ODI, ODI_SECTIONS } from './odi.js';
import { PAIN } from './pain.js';
import type { Answers, MissingMap } from './types.js';

/** ODI answers: every section scored 2, except the ones given as codes. */
function odiWith(coded: Record<string, string>): { answers: Answers; missing: MissingMap } {
  const answers: Answers = {};
  for (const [id] of ODI_SECTIONS) if (!(id in coded)) answers[id] = ['2'];
  return { answers, missing: coded as MissingMap };
}

describe('missing-data codes as data', () => {
  test('four codes: not done, declined, unknown, not applicable, each with a FHIR and a REDCap form', () => {
    expect(MISSING_CODES.map((c) => [c.code, c.label, c.fhirDataAbsentReason, c.redcap])).toEqual([
      ['not_done', 'Not done', 'not-performed', 'ND'],
      ['declined', 'Declined', 'asked-declined', 'DC'],
      ['unknown', 'Unknown', 'unknown', 'UNK'],
      ['not_applicable', 'Not applicable', 'not-applicable', 'NA'],
    ]);
  });

  test.each(MISSING_CODES.map((c) => c.code))('the tidy text of %s reads back as the code', (code) => {
    expect(parseMissingText(formatMissing(code))).toEqual({ ok: true, code });
    expect(parseMissingText(` ${formatMissing(code)} `)).toEqual({ ok: true, code });
  });

  test.each(['[missing:maybe]', '[MISSING:declined]', '[missing: declined]', '[missing:]'])(
    '%s looks like a code but is none: refused, never read as an answer',
    (text) => {
      const parsed = parseMissingText(text);
      expect(parsed?.ok).toBe(false);
      expect(reservedText(text)).toBeDefined();
    },
  );

  test('ordinary answers are not in the reserved form', () => {
    for (const text of ['declined', 'missing', '[declined]', 'missing:declined', '[missing:declined] x']) {
      expect(parseMissingText(text)).toBeUndefined();
    }
  });

  test('no answer of any item of any instrument can take the reserved form (choice codes included)', () => {
    for (const def of INSTRUMENT_LIST) {
      for (const item of def.items) {
        for (const c of item.choices ?? [])
          expect(reservedText(c.code), `${def.id} ${item.id}`).toBeUndefined();
      }
    }
  });
});

describe('validation with missing-data codes', () => {
  test('a required item marked missing lets the form be complete; it is not among the answers', () => {
    const result = validateAnswers(PAIN, { scale: 'nrs' }, undefined, { score: 'declined' });
    expect(result).toEqual({ ok: true, answers: { scale: 'nrs' }, missing: { score: 'declined' } });
  });

  test('blank is not a code: a required item left blank is still required', () => {
    const result = validateAnswers(PAIN, { scale: 'nrs', score: '' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.path[0], i.code])).toEqual([['score', 'required']]);
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>, [string, string][]]>([
    [
      'an item both answered and coded',
      { scale: 'nrs', score: 4 },
      { score: 'declined' },
      [['score', 'answered_and_missing']],
    ],
    ['an unknown code', { scale: 'nrs' }, { score: 'refused' }, [['score', 'invalid_missing_code']]],
    ['a code that is not text', { scale: 'nrs' }, { score: 3 }, [['score', 'invalid_missing_code']]],
    [
      'a code on an item the form lacks',
      { scale: 'nrs', score: 3 },
      { mood: 'unknown' },
      [['mood', 'unknown_item']],
    ],
  ])('refuses %s, naming the item', (_name, answers, missing, expected) => {
    const result = validateAnswers(PAIN, answers, undefined, missing);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.path[0], i.code])).toEqual(expected);
  });

  test('the items that name the subject cannot be marked missing', () => {
    const result = validateAnswers(
      ENROLLMENT,
      { study_id: 'VCU-0001', consent_date: '2024-01-02' },
      undefined,
      { site: 'unknown', sex: 'declined' },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.path[0], i.code])).toEqual([['site', 'not_codable']]);
  });

  test('a text answer in the reserved form is refused, so a tidy cell in that form is always a code', () => {
    const result = validateAnswers(ANALGESIC, {
      drug: 'morphine',
      strength: 10,
      unit: 'mg',
      doses_per_day: 2,
    });
    expect(result.ok).toBe(true);
    const text = validateAnswers(INSTRUMENT_LIST.find((d) => d.id === 'procedure')!, {
      operator: '[missing:declined]',
    });
    expect(text.ok).toBe(false);
    if (!text.ok) expect(text.issues.find((i) => i.path[0] === 'operator')?.code).toBe('reserved');
  });

  test('CSV text: a cell [missing:<code>] marks the item missing; an unknown code is an issue on the item', () => {
    expect(parseAnswers(PAIN, { scale: 'nrs', score: '[missing:not_done]' })).toEqual({
      ok: true,
      answers: { scale: 'nrs' },
      missing: { score: 'not_done' },
    });
    const bad = parseAnswers(PAIN, { scale: 'nrs', score: '[missing:skipped]' });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.issues.map((i) => [i.path[0], i.code])).toEqual([['score', 'invalid_missing_code']]);
  });

  test('a rule that requires an item (an opioid needs its strength) is satisfied by a code', () => {
    const result = validateAnswers(
      ANALGESIC,
      { drug: 'oxycodone', unit: 'mg', doses_per_day: 3 },
      undefined,
      {
        strength: 'unknown',
      },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // Analysis: on opioids, MME missing (never 0).
    const scored = scoreAnswers(ANALGESIC, result.answers);
    expect(scored.main).toEqual({ mme_day: null, opioid_any: true });
    expect(scored.scores.mme_reason).toBe('dose_missing');
  });
});

describe('scoring treats a coded item as missing', () => {
  test('ODI prorates over the sections answered: one section declined → sum 18 of 45', () => {
    const { answers, missing } = odiWith({ s8_sex_life: 'declined' });
    const result = validateAnswers(ODI, answers, undefined, missing);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const scored = scoreAnswers(ODI, result.answers);
    expect(scored.scores.odi_missing).toBe(1);
    expect(scored.main.odi_pct).toBeCloseTo((18 / 45) * 100, 10);
  });

  test('ODI with three sections coded is not scored (more than 2 missing, registry rule)', () => {
    const { answers, missing } = odiWith({
      s1_pain_intensity: 'unknown',
      s3_lifting: 'not_done',
      s8_sex_life: 'declined',
    });
    const result = validateAnswers(ODI, answers, undefined, missing);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const scored = scoreAnswers(ODI, result.answers);
    expect(scored.main.odi_pct).toBeNull();
    expect(scored.scores.odi_reason).toBe('too_many_missing');
  });

  test('pain score declined: no pain value for the analysis', () => {
    const result = validateAnswers(PAIN, { scale: 'nrs' }, undefined, { score: 'declined' });
    if (!result.ok) throw new Error('expected valid');
    expect(scoreAnswers(PAIN, result.answers).main.pain_nrs).toBeNull();
  });
});
