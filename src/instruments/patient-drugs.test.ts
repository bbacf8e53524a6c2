import { describe, expect, test } from 'vitest';
import { ANALGESIC } from './analgesic.js';
import { validateAnswers } from './answers.js';
import {
  DOSES_PER_DAY,
  doseWords,
  PATIENT_DRUGS,
  PATIENT_STRENGTHS,
  patientDrugName,
  strengthsOf,
} from './patient-drugs.js';
import { DEFAULT_SCORING } from './types.js';

describe('patient drug names', () => {
  test('every name maps to a drug code of the analgesic form, and keys are unique', () => {
    const codes = new Set((ANALGESIC.items.find((i) => i.id === 'drug')?.choices ?? []).map((c) => c.code));
    for (const d of PATIENT_DRUGS) expect([d.key, codes.has(d.drug)]).toEqual([d.key, true]);
    expect(new Set(PATIENT_DRUGS.map((d) => d.key)).size).toBe(PATIENT_DRUGS.length);
  });

  test('every drug has common strengths, and each one at every "how many a day" is a valid analgesic form', () => {
    for (const d of PATIENT_DRUGS) {
      const s = PATIENT_STRENGTHS[d.key];
      expect(s, d.key).toBeDefined();
      for (const strength of s!.strengths) {
        for (const perDay of s!.form === 'patch' ? [undefined] : DOSES_PER_DAY) {
          const answers = {
            drug: d.drug,
            strength,
            unit: s!.unit,
            route: s!.route,
            ...(perDay === undefined ? {} : { doses_per_day: perDay }),
          };
          const r = validateAnswers(ANALGESIC, answers, {
            rules: DEFAULT_SCORING,
          });
          expect([d.key, strength, perDay, r.ok]).toEqual([d.key, strength, perDay, true]);
        }
      }
    }
  });

  test('the brief examples: oxycodone 5–30 mg tablets, fentanyl patches 12–100 mcg/h', () => {
    expect(PATIENT_STRENGTHS.oxycodone).toEqual({
      unit: 'mg',
      route: 'oral',
      form: 'tablet',
      strengths: [5, 10, 15, 20, 30],
    });
    expect(PATIENT_STRENGTHS.fentanyl_patch?.strengths).toEqual([12, 25, 50, 75, 100]);
    expect(PATIENT_STRENGTHS.fentanyl_patch?.unit).toBe('mcg_per_hr');
  });

  test("a recorded medicine in a patient's words, leaving out what is not recorded", () => {
    expect(doseWords({ name: 'Oxycodone', strength: 10, unit: 'mg', form: 'tablet', perDay: 3 })).toBe(
      'Oxycodone 10 mg tablet, 3 a day',
    );
    expect(doseWords({ name: 'Fentanyl', strength: 25, unit: 'mcg_per_hr', form: 'patch', perDay: 1 })).toBe(
      'Fentanyl 25 mcg/h patch',
    );
    expect(doseWords({ name: 'Paracetamol', strength: null, unit: null, form: '', perDay: null })).toBe(
      'Paracetamol',
    );
    expect(patientDrugName('oxycodone')).toBe('Oxycodone');
    expect(patientDrugName('nsaid')).toBe('Anti-inflammatory pain medicine');
    expect(strengthsOf('oxycodone', 'mg', 12)).toEqual([5, 10, 12, 15, 20, 30]);
  });
});
