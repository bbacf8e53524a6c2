import { describe } from '../index.js';
import type { Cohort, CohortSubject } from './cohort.js';
import type { CategoricalSummary, ContinuousSummary, Table1Row } from './types.js';

type Getter = (s: CohortSubject, cohort: Cohort) => number | string | boolean | null;

interface Variable {
  variable: string;
  label: string;
  kind: 'continuous' | 'categorical';
  get: Getter;
}

const baselineValue =
  (key: 'pain' | 'odi' | 'mme'): Getter =>
  (s, c) =>
    s.visits.get(c.visits[0]!.code)?.[key] ?? null;

const VARIABLES: Variable[] = [
  { variable: 'age', label: 'Age at procedure, years', kind: 'continuous', get: (s) => s.age },
  { variable: 'sex', label: 'Sex', kind: 'categorical', get: (s) => s.sex },
  {
    variable: 'symptom_weeks',
    label: 'Symptom duration, weeks',
    kind: 'continuous',
    get: (s) => s.symptomWeeks,
  },
  { variable: 'etiology', label: 'Etiology', kind: 'categorical', get: (s) => s.etiology },
  { variable: 'denis_zone', label: 'Denis zone', kind: 'categorical', get: (s) => s.denisZone },
  { variable: 'ffp_type', label: 'FFP type', kind: 'categorical', get: (s) => s.ffpType },
  { variable: 'sides', label: 'Sides treated', kind: 'categorical', get: (s) => s.sides },
  { variable: 't_score', label: 'Lowest DXA T-score', kind: 'continuous', get: (s) => s.tScore },
  {
    variable: 'prior_fracture',
    label: 'Prior fragility fracture',
    kind: 'categorical',
    get: (s) => s.priorFragilityFracture,
  },
  { variable: 'steroid_use', label: 'Corticosteroid use', kind: 'categorical', get: (s) => s.steroidUse },
  {
    variable: 'opioid_use',
    label: 'Opioid use at baseline',
    kind: 'categorical',
    get: (s, c) => s.visits.get(c.visits[0]!.code)?.opioid ?? null,
  },
  { variable: 'mme', label: 'Baseline MME/day', kind: 'continuous', get: baselineValue('mme') },
  { variable: 'pain', label: 'Baseline pain (NRS 0–10)', kind: 'continuous', get: baselineValue('pain') },
  { variable: 'odi', label: 'Baseline ODI, %', kind: 'continuous', get: baselineValue('odi') },
  // A site's choice of VAS or NRS is confounded with the site; shown so the reader can see it.
  { variable: 'pain_scale', label: 'Pain scale', kind: 'categorical', get: (s) => s.painScale ?? null },
  { variable: 'setting', label: 'Setting', kind: 'categorical', get: (s) => s.setting },
];

function continuous(values: (number | string | boolean | null)[]): ContinuousSummary {
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

function categorical(values: (number | string | boolean | null)[]): CategoricalSummary {
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
  return VARIABLES.map((v) => {
    const summarise = (group: CohortSubject[]) => {
      const values = group.map((s) => v.get(s, cohort));
      return v.kind === 'continuous' ? continuous(values) : categorical(values);
    };
    return {
      variable: v.variable,
      label: v.label,
      kind: v.kind,
      overall: summarise(treated),
      by_site: Object.fromEntries(
        cohort.sites.map((site) => [site.id, summarise(treated.filter((s) => s.site === site.id))]),
      ),
    };
  });
}
