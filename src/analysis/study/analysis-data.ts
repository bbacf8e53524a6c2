import { outcomeRows } from './analyse.js';
import { analyseCareGap } from './analyse-care.js';
import { expectedInFlow } from './analyse-flow.js';
import { cessationTimes } from './analyse-opioids.js';
import { followUpVisits, OUTCOMES } from './analyse-outcomes.js';
import { adverseEventDays, followUpDays } from './analyse-safety.js';
import type { Cohort } from './cohort.js';

const na = (x: number | undefined) => (x === undefined ? 'NA' : String(x));

/**
 * The analysis data set as CSV, one row per treated subject and visit with any outcome, in protocol
 * visit order then study id: what the report's outcome analyses use, for checking them in R.
 */
export function outcomesCsv(cohort: Cohort): string {
  const rows = new Map<
    string,
    { study: string; site: string; visit: string; pain?: number; odi?: number; mme?: number }
  >();
  for (const key of ['pain', 'odi', 'mme'] as const) {
    const r = outcomeRows(cohort, OUTCOMES[key]);
    r.y.forEach((y, i) => {
      const k = `${r.subject[i]}\u0000${r.visit[i]}`;
      const row = rows.get(k) ?? { study: r.subject[i]!, site: r.site[i]!, visit: r.visit[i]! };
      row[key] = y;
      rows.set(k, row);
    });
  }
  const order = new Map(cohort.visits.map((v, i) => [v.code, i]));
  const sorted = [...rows.values()].sort(
    (a, b) =>
      order.get(a.visit)! - order.get(b.visit)! || (a.study < b.study ? -1 : a.study > b.study ? 1 : 0),
  );
  const lines = sorted.map((r) => `${r.study},${r.site},${r.visit},${na(r.pain)},${na(r.odi)},${na(r.mme)}`);
  return `study_id,site,visit,pain,odi,mme\n${lines.join('\n')}\n`;
}

/**
 * Time to opioid cessation per subject (days, event 1/0, site), as the Kaplan–Meier analysis uses
 * it, and the interval (left, right] of the Turnbull analysis (right Inf when censored).
 */
export function cessationCsv(cohort: Cohort): string {
  const c = cessationTimes(cohort, cohort.subjects);
  const lines = c.time.map((t, i) => `${t},${c.event[i]},${c.site[i]},${c.left[i]},${c.right[i]}`);
  return `time,event,site,left,right\n${lines.join('\n')}\n`;
}

/** Treated subjects expected at each follow-up visit (the flow's "expected"): the ITT denominators. */
export function expectedCsv(cohort: Cohort): string {
  const visits = new Set(
    Object.values(OUTCOMES).flatMap((o) => followUpVisits(cohort, o).map((v) => v.code)),
  );
  const lines: string[] = [];
  for (const v of cohort.visits) {
    if (!visits.has(v.code)) continue;
    for (const s of cohort.subjects)
      if (expectedInFlow(cohort, s, v.code)) lines.push(`${s.studyId},${v.code}`);
  }
  return `study_id,visit\n${lines.join('\n')}\n`;
}

/** Follow-up days after the procedure of every treated subject (the person-time of the AE rates). */
export function aeFollowUpCsv(cohort: Cohort): string {
  const treated = cohort.subjects.filter((s) => s.treated);
  return `study_id,followup_days\n${treated.map((s) => `${s.studyId},${followUpDays(cohort, s)}`).join('\n')}\n`;
}

/** Every adverse event in follow-up, once per row of the AE table it counts in, with its day. */
export function aeEventsCsv(cohort: Cohort): string {
  const lines = adverseEventDays(cohort).map((e) => `${e.studyId},${e.event},${e.day}`);
  return `study_id,event,day\n${lines.join('\n')}\n`;
}

/** Each care-gap KPI by site: met (x) of eligible (n), the table `p_sites` tests. */
export function kpiCsv(cohort: Cohort): string {
  const lines = analyseCareGap(cohort).kpis.flatMap((k) =>
    k.by_site.map((s) => `${k.kpi},${s.site},${s.x},${s.n}`),
  );
  return `kpi,site,x,n\n${lines.join('\n')}\n`;
}

/** Any opioid (1/0) per treated subject and medication review, in protocol visit order: opioid use and McNemar. */
export function opioidsCsv(cohort: Cohort): string {
  const lines: string[] = [];
  for (const v of cohort.visits) {
    if (!v.collectsMedication) continue;
    for (const s of cohort.subjects) {
      const o = s.treated ? s.visits.get(v.code)?.opioid : null;
      if (o != null) lines.push(`${s.studyId},${v.code},${o ? 1 : 0}`);
    }
  }
  return `study_id,visit,opioid\n${lines.join('\n')}\n`;
}
