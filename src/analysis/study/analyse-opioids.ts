import { dayOfVisit } from '../../schedule/index.js';
import { kaplanMeier, logRank, mcnemar, quantile, turnbull } from '../index.js';
import { proportion } from './analyse-outcomes.js';
import { type Cohort, type CohortSubject, daysBetween, type VisitValues } from './cohort.js';
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
 * Time to opioid cessation among treated subjects on opioids at baseline, over the follow-up
 * medication reviews (every visit after the procedure that collects analgesics, weeks 2–52):
 * - the event is at the first review without an opioid: on the latest stop date recorded there
 *   when every opioid taken at the previous review is listed there with a stop date (days from the
 *   index date, at least 0), otherwise on that review's nominal day;
 * - otherwise censored at the last review seen; subjects never seen at a review are left out.
 * For the interval-censored (Turnbull) analysis, `left`/`right` bound the cessation: from the last
 * review on opioids (0 when the first review is already off them) to the first review off them;
 * left = right for a recorded stop date, right = ∞ when censored.
 */
export function cessationTimes(cohort: Cohort, subjects: readonly CohortSubject[]) {
  const baseline = cohort.visits[0]!.code;
  const followUps = cohort.visits.filter(
    (v) => v.code !== baseline && v.collectsMedication && v.day !== null && v.day > 0,
  );
  const time: number[] = [];
  const event: (0 | 1)[] = [];
  const site: string[] = [];
  const left: number[] = [];
  const right: number[] = [];
  for (const s of subjects) {
    const base = s.visits.get(baseline);
    if (!s.treated || base?.opioid !== true) continue;
    let previous = base;
    let last: number | null = null;
    let eventTime: number | null = null;
    let exact = false;
    for (const v of followUps) {
      const review = s.visits.get(v.code);
      if (review?.opioid == null) continue;
      // The review's day: its recorded visit date when there is one, its nominal day otherwise.
      const day = s.indexDate === null ? v.day! : dayOfVisit(v, s.indexDate, review.date)!;
      if (review.opioid === true) {
        last = day;
        previous = review;
        continue;
      }
      const stopDate = recordedStop(previous, review);
      exact = stopDate !== null && s.indexDate !== null;
      eventTime = exact ? Math.max(0, daysBetween(s.indexDate!, stopDate!)) : day;
      break;
    }
    if (eventTime === null && last === null) continue;
    time.push(eventTime ?? last!);
    event.push(eventTime === null ? 0 : 1);
    site.push(s.site);
    left.push(eventTime === null ? last! : exact ? eventTime : (last ?? 0));
    right.push(eventTime === null ? Number.POSITIVE_INFINITY : eventTime);
  }
  return { time, event, site, left, right };
}

/**
 * The latest stop date listed at the first review off opioids, when every opioid taken at the
 * previous review is listed there with a stop date; null otherwise.
 */
function recordedStop(previous: VisitValues, review: VisitValues): string | null {
  const stopped = review.opioidsStopped ?? [];
  const taken = previous.opioidsTaken ?? [];
  if (stopped.length === 0 || taken.length === 0) return null;
  if (!taken.every((drug) => stopped.some((x) => x.drug === drug))) return null;
  let latest = '';
  for (const x of stopped) if (x.stopDate > latest) latest = x.stopDate;
  return latest;
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
  const { time, event, site, left, right } = cessationTimes(cohort, cohort.subjects);
  const overall = kmPoints(time, event);
  const tb = turnbull(left, right);
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
      turnbull: tb.steps.map((x) => ({ day: x.time, surv: x.surv })),
      turnbull_median_days: tb.median,
    },
  };
}
