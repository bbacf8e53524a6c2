// Number formatting for the printed report, as journals set it: a true minus sign, fixed decimals,
// p-values to three decimals or "<0.001", and an em dash for anything not estimable.
import type { Num, Proportion } from '../analysis/study/types.js';

/** What a table cell shows when a value is null (not estimable, or no data); explained once in a footnote. */
export const MISSING = '—';

const MINUS = '\u2212';

function isNum(x: Num | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A number with fixed decimals and a typographic minus; null → "—". */
export function fmt(x: Num | undefined, digits = 1): string {
  if (!isNum(x)) return MISSING;
  const s = x.toFixed(digits);
  // -0.0 prints as "0.0": a rounded zero has no sign.
  if (/^-0\.?0*$/.test(s)) return s.slice(1);
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

/** An integer count with thin-space thousands separators (1 234), as the report's tables use. */
export function fmtInt(x: number): string {
  const s = String(Math.round(Math.abs(x))).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
  return x < 0 ? MINUS + s : s;
}

/** A p-value as journals print it: "<0.001", otherwise three decimals; null → "—". */
export function fmtP(p: Num | undefined): string {
  if (!isNum(p)) return MISSING;
  if (p < 0.001) return '<0.001';
  return Math.min(p, 1).toFixed(3);
}

/** A p-value in running text: "p < 0.001" or "p = 0.042". */
export function fmtPText(p: Num | undefined): string {
  if (!isNum(p)) return `p = ${MISSING}`;
  return p < 0.001 ? 'p < 0.001' : `p = ${fmtP(p)}`;
}

/** A confidence interval "low to high" (clearer than a dash when limits are negative); null → "—". */
export function fmtCi(low: Num | undefined, high: Num | undefined, digits = 1): string {
  if (!isNum(low) || !isNum(high)) return MISSING;
  return `${fmt(low, digits)} to ${fmt(high, digits)}`;
}

/** A proportion 0–1 as a percentage with one decimal, without the % sign; null → "—". */
export function fmtPct(prop: Num | undefined, digits = 1): string {
  return isNum(prop) ? fmt(prop * 100, digits) : MISSING;
}

/** "x/n (p%)", the count and its percentage; n = 0 shows "0/0 (—)". */
export function fmtCount(x: number, n: number, digits = 1): string {
  return `${fmtInt(x)}/${fmtInt(n)} (${n > 0 ? `${fmtPct(x / n, digits)}%` : MISSING})`;
}

/** The exact 95% CI of a proportion as percentages "a to b"; null → "—". */
export function fmtPropCi(p: Pick<Proportion, 'ci_low' | 'ci_high'>, digits = 1): string {
  if (!isNum(p.ci_low) || !isNum(p.ci_high)) return MISSING;
  return `${fmtPct(p.ci_low, digits)} to ${fmtPct(p.ci_high, digits)}`;
}

/** "mean (SD)"; "—" when the mean is missing, "mean (—)" when only the SD is. */
export function fmtMeanSd(mean: Num | undefined, sd: Num | undefined, digits = 1): string {
  if (!isNum(mean)) return MISSING;
  return `${fmt(mean, digits)} (${fmt(sd, digits)})`;
}

/** "median [Q1, Q3]", the median and interquartile range; "—" when the median is missing. */
export function fmtMedianIqr(
  median: Num | undefined,
  q1: Num | undefined,
  q3: Num | undefined,
  digits = 1,
): string {
  if (!isNum(median)) return MISSING;
  return `${fmt(median, digits)} [${fmt(q1, digits)}, ${fmt(q3, digits)}]`;
}

/** A calendar date from an ISO timestamp, "12 March 2025", fixed to UTC so output is deterministic. */
export function fmtDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
