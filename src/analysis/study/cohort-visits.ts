// The protocol's visits and the study definition's KPI day limits as the analysis sees them.

import { dayLimit, type Protocol, SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { visitDays } from '../../schedule/index.js';
import type { CohortVisit, KpiDays } from './cohort.js';

/** The protocol's visits with their nominal day and window in days after the procedure (schedule/). */
export function cohortVisits(protocol: Protocol): CohortVisit[] {
  const timing = visitDays(protocol);
  return protocol.visits.map((v, i) => {
    const has = (id: string) => v.instruments.includes(id);
    return {
      ...timing[i]!,
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
