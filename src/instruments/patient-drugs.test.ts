import { describe, expect, test } from 'vitest';
import { ANALGESIC } from './analgesic.js';
import { PATIENT_DRUGS } from './patient-drugs.js';

describe('patient drug names', () => {
  test('every name maps to a drug code of the analgesic form, and keys are unique', () => {
    const codes = new Set((ANALGESIC.items.find((i) => i.id === 'drug')?.choices ?? []).map((c) => c.code));
    for (const d of PATIENT_DRUGS) expect([d.key, codes.has(d.drug)]).toEqual([d.key, true]);
    expect(new Set(PATIENT_DRUGS.map((d) => d.key)).size).toBe(PATIENT_DRUGS.length);
  });
});
