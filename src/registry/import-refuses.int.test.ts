import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, rejects } from '../../test/helpers/registry.js';
import { importTidy, SYSTEM_ACTOR } from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

const HEADER = 'study_id,site,visit,instrument,instance,item,value';
const ENROL = [
  'VCU-0001,VCU,baseline,enrollment,1,study_id,VCU-0001',
  'VCU-0001,VCU,baseline,enrollment,1,site,VCU',
  'VCU-0001,VCU,baseline,enrollment,1,consent_date,2026-01-10',
  'VCU-0001,VCU,procedure,procedure,1,procedure_date,2026-01-20',
  'VCU-0001,VCU,procedure,procedure,1,sides,bilateral',
];

/** The file with one more form, and the problems import names for it (dry run and for real). */
async function problemsWith(r: Registry, rows: string[]) {
  const text = [HEADER, ...ENROL, ...rows].join('\n');
  const dry = await rejects(importTidy(r.deps, SYSTEM_ACTOR, text, { dryRun: true }));
  const real = await rejects(importTidy(r.deps, SYSTEM_ACTOR, text));
  expect(real.issues).toEqual(dry.issues);
  const n = await r.deps.db.selectFrom('response').select('id').execute();
  expect(n).toEqual([]);
  return dry.issues.map((i) => i.message);
}

describe('import refuses, also under --dry-run, what the forms would refuse', () => {
  let r: Registry;
  beforeAll(async () => {
    r = await createTestRegistry('2026-03-02T09:00:00.000Z');
  });
  afterAll(() => r.destroy());

  test.each([
    [
      'an analgesic strength of 1e308',
      [
        'VCU-0001,VCU,week2,analgesic,1,drug,morphine',
        'VCU-0001,VCU,week2,analgesic,1,strength,1e308',
        'VCU-0001,VCU,week2,analgesic,1,unit,mg',
        'VCU-0001,VCU,week2,analgesic,1,doses_per_day,24',
      ],
      /line 8, value: .*strength 1e\+308 mg is above the plausible maximum of 1000 mg/,
    ],
    [
      'an adverse event 14 months before the procedure',
      [
        'VCU-0001,VCU,week2,adverse_event,1,term,pain_flare',
        'VCU-0001,VCU,week2,adverse_event,1,onset_date,2024-11-20',
      ],
      /line 8, value: adverse_event onset_date 2024-11-20 is before the consent date 2026-01-10/,
    ],
    [
      'an end of study in the future',
      [
        'VCU-0001,VCU,week52,end_of_study,1,status,completed',
        'VCU-0001,VCU,week52,end_of_study,1,date,9999-12-31',
      ],
      /line 8, value: end_of_study date 9999-12-31 is in the future/,
    ],
  ])('%s', async (_what, rows, problem) => {
    const messages = await problemsWith(r, rows);
    expect(messages.some((m) => problem.test(m))).toBe(true);
  });
});
