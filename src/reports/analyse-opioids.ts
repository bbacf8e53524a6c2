import { kaplanMeier, logRank, mcnemar, quantile } from '../analysis/index.js';
import { proportion } from './analyse-outcomes.js';
import type { Cohort, CohortSubject } from './cohort.js';
import type { KmPoint, OpioidReport, TimeToEventReport } from './types.js';

/** Any-opioid use by visit with exact CIs and McNemar against baseline; MME median [IQR] among users. */
export function analyseOpioids(cohort: Cohort): OpioidReport {
  const treated = cohort.subjects.filter((s) => s.treated);
  const baseline = cohort.visits[0]!.code;
  return {
    by_visit: cohort.visits
      .filter((v) => v.collectsMedication)
      .map((v) => {
        const seen = treated.filter((s) => s.visits.get(v.code)?.opioid != null);
        const users = seen.filter((s) => s.visits.get(v.code)?.opioid === true);
        let b = 0;
        let c = 0;
        let pairs = 0;
        for (const s of seen) {
          const before = s.visits.get(baseline)?.opioid;
          if (before == null) continue;
          pairs++;
          const now = s.visits.get(v.code)!.opioid;
          if (before && !now) b++;
          if (!before && now) c++;
        }
        const test = v.code === baseline ? { statistic: null, p: null } : mcnemar(b, c);
        const mme = users
          .map((s) => s.visits.get(v.code)?.mme)
          .filter((x): x is number => x != null && x > 0);
        return {
          visit: v.code,
          n: seen.length,
          any_opioid: proportion(users.length, seen.length),
          mcnemar: { n_pairs: v.code === baseline ? 0 : pairs, b, c, statistic: test.statistic, p: test.p },
          mme_median: quantile(mme, 0.5),
          mme_q1: quantile(mme, 0.25),
          mme_q3: quantile(mme, 0.75),
        };
      }),
  };
}

/**
 * Time to opioid cessation among subjects on opioids at baseline: the event is the first follow-up
 * visit without an opioid, at that visit's nominal day; otherwise censored at the last visit seen.
 * Subjects never seen after the procedure contribute no follow-up time and are not in the curve.
 */
export function cessationTimes(cohort: Cohort, subjects: readonly CohortSubject[]) {
  const baseline = cohort.visits[0]!.code;
  const followUps = cohort.visits.filter((v) => v.collectsMedication && v.day !== null && v.day > 0);
  const time: number[] = [];
  const event: (0 | 1)[] = [];
  const site: string[] = [];
  for (const s of subjects) {
    if (!s.treated || s.visits.get(baseline)?.opioid !== true) continue;
    let last: number | null = null;
    let stopped = false;
    for (const v of followUps) {
      const o = s.visits.get(v.code)?.opioid;
      if (o == null) continue;
      last = v.day!;
      if (o === false) {
        stopped = true;
        break;
      }
    }
    if (last === null) continue;
    time.push(last);
    event.push(stopped ? 1 : 0);
    site.push(s.site);
  }
  return { time, event, site };
}

function kmPoints(time: number[], event: (0 | 1)[]) {
  const km = kaplanMeier(time, event);
  const points: KmPoint[] = km.steps.map((s) => ({
    day: s.time,
    surv: s.surv,
    lower: s.lower,
    upper: s.upper,
    n_risk: s.n_risk,
    n_event: s.n_event,
    n_censor: s.n_censor,
  }));
  return { km, points };
}

export function analyseCessation(cohort: Cohort): TimeToEventReport {
  const { time, event, site } = cessationTimes(cohort, cohort.subjects);
  const overall = kmPoints(time, event);
  const lr = logRank(time, event, site);
  return {
    opioid_cessation: {
      n: time.length,
      events: event.filter((e) => e === 1).length,
      km: overall.points,
      median_days: overall.km.median,
      median_lower: overall.km.median_lower,
      median_upper: overall.km.median_upper,
      by_site: cohort.sites.map((s) => {
        const idx = site.flatMap((x, i) => (x === s.id ? [i] : []));
        const t = idx.map((i) => time[i]!);
        const e = idx.map((i) => event[i]!);
        const r = kmPoints(t, e);
        return {
          site: s.id,
          n: t.length,
          events: e.filter((x) => x === 1).length,
          km: r.points,
          median_days: r.km.median,
        };
      }),
      logrank_site: { chisq: lr.groups.length > 1 ? lr.chisq : null, df: lr.df, p: lr.p },
    },
  };
}
