import { outcomeRows } from './analyse.js';
import { cessationTimes } from './analyse-opioids.js';
import { OUTCOMES } from './analyse-outcomes.js';
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

/** Time to opioid cessation per subject (days, event 1/0, site), as the Kaplan–Meier analysis uses it. */
export function cessationCsv(cohort: Cohort): string {
  const c = cessationTimes(cohort, cohort.subjects);
  return `time,event,site\n${c.time.map((t, i) => `${t},${c.event[i]},${c.site[i]}`).join('\n')}\n`;
}
