// The protocol's visits and the study definition's KPI day limits as the analysis sees them.
import { dayLimit, type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
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
      instruments: v.instruments,
    };
  });
}

/** The KPI day limits of a study definition under a protocol (`dayLimit` of each). */
export function kpiDaysOf(protocol: Protocol, definition: StudyDefinition = SACROPLASTY_STUDY): KpiDays {
  return {
    kpis: Object.fromEntries(definition.kpis.map((k) => [k.kpi, dayLimit(protocol, k.limit)])),
    untreated: dayLimit(protocol, definition.boneMedication.limit),
  };
}
