// The protocol's visits and KPI day limits as the study analysis sees them.
import type { Protocol } from '../../protocol/index.js';
import type { CohortVisit, KpiDays } from './cohort.js';

/** The protocol's visits with their nominal day and window end relative to the procedure. */
export function cohortVisits(protocol: Protocol): CohortVisit[] {
  return protocol.visits.map((v) => {
    const onProcedure = v.anchor === 'procedure';
    const day = onProcedure ? (v.offset.days ?? 0) : null;
    const after = v.window?.after.days ?? 0;
    const has = (id: string) => v.instruments.includes(id);
    return {
      code: v.code,
      label: v.label,
      day,
      windowEndDay: day === null ? null : day + after,
      collectsPain: has('pain'),
      collectsOdi: has('odi'),
      collectsMedication: has('analgesic'),
    };
  });
}

/** Weeks within which bone medication should start (CLINICAL.md fracture-liaison KPI). */
const BONE_MED_START_WEEKS = 16;

/**
 * The KPI day limits from the protocol: the first and the last procedure-anchored visits that
 * collect the osteoporosis-care form (12 and 52 weeks), and 16 weeks for starting bone medication.
 */
export function kpiDaysOf(protocol: Protocol): KpiDays {
  const days = cohortVisits(protocol)
    .filter((_, i) => protocol.visits[i]!.instruments.includes('osteoporosis_care'))
    .flatMap((v) => (v.day !== null && v.day > 0 ? [v.day] : []));
  return {
    assessment: days[0] ?? 12 * 7,
    boneMedStart: BONE_MED_START_WEEKS * 7,
    persistence: days.at(-1) ?? 52 * 7,
  };
}
