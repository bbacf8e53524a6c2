import { SACROPLASTY_STUDY, type Table1Definition } from '../../protocol/index.js';
import { describe } from '../index.js';
import { type Cohort, type CohortSubject, outcomeValue } from './cohort.js';
import type { CategoricalSummary, ContinuousSummary, Table1Row } from './types.js';

type Value = number | string | boolean | null;

/** A Table 1 variable's value for one subject, from where the study definition says it comes. */
function table1Value(v: Table1Definition, s: CohortSubject, cohort: Cohort): Value {
  const baseline = s.visits.get(cohort.visits[0]!.code);
  const src = v.source;
  if ('baselineOpioid' in src) return baseline?.opioid ?? null;
  if ('baseline' in src) return outcomeValue(baseline, src.baseline);
  if ('answer' in src) {
    const text = s.answers?.[src.answer] ?? null;
    if (text === null) return null;
    if (text === 'true' || text === 'false') return text === 'true';
    return v.kind === 'continuous' ? Number(text) : text;
  }
  const field = (s as unknown as Record<string, unknown>)[src.subject];
  return typeof field === 'number' || typeof field === 'string' || typeof field === 'boolean' ? field : null;
}

function continuous(values: Value[]): ContinuousSummary {
  const x = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const d = describe(x);
  return {
    n: d.n,
    missing: values.length - d.n,
    mean: d.mean,
    sd: d.sd,
    median: d.median,
    q1: d.q1,
    q3: d.q3,
  };
}

function categorical(values: Value[]): CategoricalSummary {
  const counts = new Map<string, number>();
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    const level = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
    counts.set(level, (counts.get(level) ?? 0) + 1);
    n++;
  }
  const levels = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([level, k]) => ({ level, n: k, pct: n ? (100 * k) / n : 0 }));
  return { n, missing: values.length - n, levels };
}

/** Table 1: baseline characteristics of treated subjects, overall and by site, with missing counts. */
export function analyseTable1(cohort: Cohort): Table1Row[] {
  const treated = cohort.subjects.filter((s) => s.treated);
  return (cohort.definition ?? SACROPLASTY_STUDY).table1.map((v) => {
    // Each subject's value once; a site's summary takes its subjects' values in the same order.
    const all = treated.map((s) => table1Value(v, s, cohort));
    const summarise = (values: Value[]) =>
      v.kind === 'continuous' ? continuous(values) : categorical(values);
    return {
      variable: v.variable,
      label: v.label,
      kind: v.kind,
      overall: summarise(all),
      by_site: Object.fromEntries(
        cohort.sites.map((site) => [site.id, summarise(all.filter((_, i) => treated[i]!.site === site.id))]),
      ),
    };
  });
}
