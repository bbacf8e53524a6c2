import { qnorm } from './distributions.js';

export interface KmStep {
  time: number;
  n_risk: number;
  n_event: number;
  n_censor: number;
  surv: number;
  /** Standard error of surv (Greenwood), as `summary(survfit)` prints; null once surv reaches 0. */
  se: number | null;
  lower: number | null;
  upper: number | null;
}

export interface KaplanMeierResult {
  n: number;
  events: number;
  steps: KmStep[];
  /** Median and its 95% limits as `print(survfit)`; null when the curve (or limit) never reaches 0.5. */
  median: number | null;
  median_lower: number | null;
  median_upper: number | null;
}

/**
 * Kaplan–Meier estimate for right-censored data, as R `survfit(Surv(time, event) ~ 1)` with its
 * defaults: one step per distinct time, event or censoring (like `summary(fit, censored = TRUE)`),
 * Greenwood variance, log-transformed CI (conf.type "log") at `level`, upper limit capped at 1.
 * Times are compared exactly (R's `timefix` only merges times closer than ~1e-8 relative).
 */
export function kaplanMeier(
  time: readonly number[],
  event: readonly (0 | 1)[],
  level = 0.95,
): KaplanMeierResult {
  if (time.length !== event.length) throw new RangeError('time and event differ in length');
  const order = Array.from({ length: time.length }, (_, i) => i)
    .filter((i) => Number.isFinite(time[i]!))
    .sort((a, b) => time[a]! - time[b]!);
  const z = qnorm(1 - (1 - level) / 2);
  const steps: KmStep[] = [];
  let atRisk = order.length;
  let surv = 1;
  let greenwood = 0;
  let events = 0;
  let i = 0;
  while (i < order.length) {
    const t = time[order[i]!]!;
    let d = 0;
    let censored = 0;
    while (i < order.length && time[order[i]!]! === t) {
      if (event[order[i]!] === 1) d++;
      else censored++;
      i++;
    }
    // (n − d) / n as survfitkm does (1 − d/n can differ in the last bit).
    surv *= (atRisk - d) / atRisk;
    // Greenwood: Var(log S) accumulates d / (n (n - d)); infinite once everyone at risk fails.
    greenwood += d === 0 ? 0 : atRisk === d ? Number.POSITIVE_INFINITY : d / (atRisk * (atRisk - d));
    const seLog = Math.sqrt(greenwood);
    const defined = surv > 0;
    steps.push({
      time: t,
      n_risk: atRisk,
      n_event: d,
      n_censor: censored,
      surv,
      se: defined ? surv * seLog : null,
      // Log CI, as R survfit_confint(conf.type = "log"): exp(log S ± z se), upper capped at 1.
      lower: defined ? Math.exp(Math.log(surv) - z * seLog) : null,
      upper: defined ? Math.min(1, Math.exp(Math.log(surv) + z * seLog)) : null,
    });
    events += d;
    atRisk -= d + censored;
  }
  const times = steps.map((s) => s.time);
  return {
    n: order.length,
    events,
    steps,
    median: firstBelowHalf(
      steps.map((s) => s.surv),
      times,
    ),
    median_lower: firstBelowHalf(
      steps.map((s) => s.lower),
      times,
    ),
    median_upper: firstBelowHalf(
      steps.map((s) => s.upper),
      times,
    ),
  };
}

/**
 * R survival:::survmean's `minmin`, used by print(survfit): the first time the curve is < 0.5 + tol
 * (tol = sqrt(eps)); when the curve sits at exactly 0.5 there and drops later, the midpoint of that
 * time and the time it next drops. (quantile.survfit differs only when the curve ends at 0.5.)
 */
function firstBelowHalf(curve: readonly (number | null)[], times: readonly number[]): number | null {
  const tol = Math.sqrt(Number.EPSILON);
  const keep: number[] = [];
  curve.forEach((y, i) => {
    if (y !== null && y < 0.5 + tol) keep.push(i);
  });
  const first = keep[0];
  if (first === undefined) return null;
  const y1 = curve[first]!;
  if (Math.abs(y1 - 0.5) < tol) {
    const lower = keep.find((j) => curve[j]! < y1);
    if (lower !== undefined) return (times[first]! + times[lower]!) / 2;
  }
  return times[first]!;
}
