import type { Protocol, Visit } from './types.js';

/** Outcomes at every follow-up (CLINICAL.md): pain, disability, analgesic use, adverse events. */
const FOLLOW_UP = ['pain', 'odi', 'analgesic', 'adverse_event'];

/** A follow-up N weeks after the procedure with a ± window in days (windows are a registry rule). */
function weekVisit(weeks: number, plusMinusDays: number, extra: string[] = []): Visit {
  return {
    code: `week${weeks}`,
    label: `Week ${weeks}`,
    anchor: 'procedure',
    offset: { days: weeks * 7 },
    window: { before: { days: plusMinusDays }, after: { days: plusMinusDays } },
    instruments: [...FOLLOW_UP, ...extra],
  };
}

/**
 * The reference study's schedule (CLINICAL.md): baseline → procedure → 30 minutes after → 2, 4, 12,
 * 24 and 52 weeks after the procedure. Windows (registry rule): week2 ±3 d, week4 ±7 d, week12 ±14 d,
 * week24 ±28 d, week52 ±42 d; post30min 15–120 minutes after the procedure end.
 */
export const SACROPLASTY_SIF: Protocol = {
  id: 'sacroplasty-sif',
  version: '1.0.0',
  title: 'Sacroplasty for sacral insufficiency fractures',
  rules: {
    odiMaxMissingSections: 2,
    mmeTable: 'cdc-2022',
    // Registry rule: doses beyond these are typing errors (see DEFAULT_PLAUSIBILITY).
    plausibility: { maxMmeDay: 2000, maxStrength: { mg: 1000, mcg_per_hr: 400 } },
  },
  visits: [
    {
      code: 'baseline',
      label: 'Baseline',
      anchor: 'enrolment',
      offset: { days: 0 },
      window: null,
      instruments: ['enrollment', 'eligibility', 'pain', 'odi', 'analgesic', 'osteoporosis_care'],
    },
    {
      code: 'procedure',
      label: 'Procedure',
      anchor: 'procedure',
      offset: { days: 0 },
      window: null,
      instruments: ['procedure', 'adverse_event'],
    },
    {
      code: 'post30min',
      label: '30 minutes after',
      anchor: 'procedure',
      // Target 30 min after the procedure end; window 30 − 15 = 15 to 30 + 90 = 120 minutes.
      offset: { minutes: 30 },
      window: { before: { minutes: 15 }, after: { minutes: 90 } },
      instruments: ['pain'],
    },
    weekVisit(2, 3),
    weekVisit(4, 7),
    weekVisit(12, 14, ['osteoporosis_care', 'physical_therapy']),
    weekVisit(24, 28),
    weekVisit(52, 42, ['satisfaction', 'osteoporosis_care', 'end_of_study']),
  ],
  anyVisit: ['adverse_event', 'analgesic'],
};
