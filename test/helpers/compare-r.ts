import type { StudyReport } from '../../src/analysis/study/types.js';

/**
 * R's output of bench/report.R: the same keys as the report's JSON (outcomes, time_to_event,
 * adverse_events, adverse_events_cumulative, care_gap), plus R's timing.
 */
export interface RResult {
  timing: {
    read_seconds?: number;
    analysis_seconds?: number;
    r_version: string;
    lme4: string;
    lmerTest?: string;
    survival: string;
  };
  [key: string]: unknown;
}

/** Fields that identify an element of an array (a visit, a term, a day): matched, not compared. */
const IDENTITY = ['visit', 'term', 'event', 'kpi', 'site', 'day'] as const;

/** Turnbull rows and median: R's survfit stops its EM at 5e-5, so 2e-4 (absolute for survival). */
const isTurnbull = (path: string) => path.includes('turnbull');

/**
 * Compares every number R gives with the report's value at the same path. Array elements are matched
 * by their identifying fields (visit, term, event, kpi, site, day). A key R has that the report lacks,
 * or a number R gives where the report has null (or the reverse), is a failure listed in `missing`.
 * Returns the largest relative difference (absolute when R's value is below 1e-12) over the
 * numbers compared at 1e-6, and the same over the Turnbull numbers (tolerance 2e-4).
 */
export function compareWithR(report: StudyReport, r: RResult) {
  let maxRel = 0;
  let worst = '';
  let maxTurnbull = 0;
  let worstTurnbull = '';
  let compared = 0;
  const missing: string[] = [];
  const walk = (path: string, ours: unknown, theirs: unknown): void => {
    if (theirs === null || theirs === undefined) {
      if (ours !== null && ours !== undefined && typeof ours === 'number')
        missing.push(`${path}: R gives NA, report ${ours}`);
      return;
    }
    if (typeof theirs === 'number') {
      if (typeof ours !== 'number') {
        missing.push(
          `${path}: R gives ${theirs}, report ${ours === undefined ? 'lacks the key' : String(ours)}`,
        );
        return;
      }
      compared++;
      const abs = Math.abs(ours - theirs);
      const turnbull = isTurnbull(path);
      const d =
        turnbull && path.endsWith('surv') ? abs : Math.abs(theirs) < 1e-12 ? abs : abs / Math.abs(theirs);
      if (turnbull) {
        if (d > maxTurnbull) {
          maxTurnbull = d;
          worstTurnbull = path;
        }
      } else if (d > maxRel) {
        maxRel = d;
        worst = path;
      }
      return;
    }
    if (typeof theirs === 'string') {
      if (ours !== theirs) missing.push(`${path}: R gives "${theirs}", report ${String(ours)}`);
      return;
    }
    if (Array.isArray(theirs)) {
      if (!Array.isArray(ours)) {
        missing.push(`${path}: report lacks the list`);
        return;
      }
      for (const item of theirs) {
        if (item === null || typeof item !== 'object') continue;
        const keys = IDENTITY.filter((k) => k in (item as object));
        const id = keys.map((k) => `${k}=${(item as Record<string, unknown>)[k]}`).join(',');
        const match = ours.find(
          (o) =>
            o !== null &&
            typeof o === 'object' &&
            keys.every((k) => (o as Record<string, unknown>)[k] === (item as Record<string, unknown>)[k]),
        );
        if (match === undefined) missing.push(`${path}[${id}]: report has no such row`);
        else walk(`${path}[${id}]`, match, item);
      }
      return;
    }
    if (typeof theirs === 'object') {
      if (ours === null || typeof ours !== 'object') {
        missing.push(`${path}: report lacks the object`);
        return;
      }
      for (const [k, v] of Object.entries(theirs)) {
        if ((IDENTITY as readonly string[]).includes(k) && !path.endsWith('logrank_site')) continue;
        walk(path ? `${path}.${k}` : k, (ours as Record<string, unknown>)[k], v);
      }
    }
  };
  const { timing: _timing, ...numbers } = r;
  walk('', report, numbers);
  return { maxRel, worst, maxTurnbull, worstTurnbull, compared, missing };
}
