import { describe, expect, test } from 'vitest';
import { addDays, DEMO_SITES, demoSubject } from './demo-cohort.js';
import { seededRandom } from './random.js';

const TODAY = '2026-03-02';
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

describe('the demo cohort', () => {
  // 3,000 subjects consented over the last 14 months: recent ones have follow-ups near today.
  const forms = Array.from({ length: 3000 }, (_, i) => {
    const random = seededRandom(i + 1);
    const consent = addDays(TODAY, -Math.floor(random() * 430));
    return demoSubject(random, `VCU-${i + 1}`, DEMO_SITES[0], consent, TODAY);
  }).flat();

  test('writes no date after today, so the registry accepts every form it generates', () => {
    const future = forms.flatMap((f) =>
      Object.entries(f.answers)
        .filter(([item, v]) => item !== 'index_date' && typeof v === 'string' && ISO_DAY.test(v) && v > TODAY)
        .map(([item, v]) => `${f.studyId} ${f.visit} ${item}=${String(v)}`),
    );
    expect(future).toEqual([]);
  });
});
