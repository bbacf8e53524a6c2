// Every statistic of src/analysis against R on the same synthetic inputs, to 1e-6 relative.
// The fixture and the script that made it: test/fixtures/r/validation.json, scripts/r/validate.R.
import { readFileSync } from 'node:fs';
import { expect, describe as group, test } from 'vitest';
import {
  chiSquareTest,
  clopperPearson,
  describe,
  fisherExact2x2,
  fitLmm,
  holm,
  kaplanMeier,
  logRank,
  mcnemar,
  oneSampleTTest,
  pairedDifferences,
  pairedTTest,
  quantile,
  wilcoxonSignedRank,
} from './index.js';

type Expected = number | string | boolean | null;
type Row = Record<string, Expected>;
type Case<I> = I & { case: string; expected: Record<string, unknown> };
type Cohort = {
  long: {
    subject: string[];
    site: string[];
    visit: string[];
    t: number[];
    t_nominal: number[];
    pain: number[];
  };
};

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/r/validation.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & {
  meta: { visits: string[]; sites: string[] };
  cohorts: Record<string, Cohort>;
};
const cases = <I>(kind: string) => fixture[kind] as Case<I>[];
/** jsonlite writes length-1 vectors as scalars (auto_unbox). */
const arr = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** |actual − expected| ≤ max(rel·|expected|, abs); R's null (NA/NaN) must be null, "Inf" infinite. */
function expectClose(actual: unknown, expected: unknown, rel = 1e-6, abs = 1e-9, what = ''): void {
  if (expected === null || typeof expected === 'boolean' || typeof expected === 'string') {
    const want =
      expected === 'Inf'
        ? Number.POSITIVE_INFINITY
        : expected === '-Inf'
          ? Number.NEGATIVE_INFINITY
          : expected;
    expect(actual, what).toBe(want);
    return;
  }
  expect(typeof actual, what).toBe('number');
  const a = actual as number;
  const e = expected as number;
  const tolerance = Math.max(rel * Math.abs(e), abs);
  if (!(Math.abs(a - e) <= tolerance))
    expect.fail(`${what}: ${a} differs from R's ${e} by more than ${tolerance}`);
}

/** Compares every key R reported that the implementation also returns. */
function expectAllClose(actual: object, expected: Record<string, unknown>, what: string): void {
  for (const [key, want] of Object.entries(expected)) {
    if (!(key in actual)) continue;
    const got = (actual as Record<string, unknown>)[key];
    if (Array.isArray(want)) {
      expect((got as unknown[]).length, `${what}.${key} length`).toBe(want.length);
      for (const [i, w] of want.entries())
        expectClose((got as unknown[])[i], w, 1e-6, 1e-9, `${what}.${key}[${i}]`);
    } else {
      expectClose(got, want, 1e-6, 1e-9, `${what}.${key}`);
    }
  }
}

group('descriptives match R (mean, sd, t.test CI, quantile type 7)', () => {
  test.each(cases<{ x: number[] }>('describe'))('describe: $case', ({ x, expected }) => {
    expectAllClose(describe(arr(x)), expected, 'describe');
  });
  test.each(cases<{ x: number[]; p: number[] }>('quantile'))('quantile: $case', ({ x, p, expected }) => {
    for (const [i, pi] of p.entries()) {
      expectClose(quantile(x, pi), (expected as unknown as number[])[i], 1e-6, 1e-9, `p=${pi}`);
    }
  });
});

group('t-tests match R t.test', () => {
  test.each(cases<{ x: number[]; y: number[] }>('paired_t'))('paired: $case', ({ x, y, expected }) => {
    expectAllClose(pairedTTest(x, y), expected, 'pairedTTest');
  });
  test.each(cases<{ d: number[] }>('one_sample_t'))('one sample: $case', ({ d, expected }) => {
    expectAllClose(oneSampleTTest(d), expected, 'oneSampleTTest');
  });
});

group('Wilcoxon signed-rank matches R wilcox.test', () => {
  test.each(cases<{ d?: number[]; x?: number[]; y?: number[]; correct: boolean }>('wilcoxon'))(
    '$case',
    ({ d, x, y, correct, expected }) => {
      const diffs = d ?? pairedDifferences(x ?? [], y ?? []);
      expectAllClose(wilcoxonSignedRank(diffs, { correct }), expected, 'wilcoxon');
    },
  );
});

group('multiplicity and proportions match R', () => {
  test.each(cases<{ p: (number | null)[] }>('holm'))('holm: $case', ({ p, expected }) => {
    const got = holm(p);
    for (const [i, e] of (expected as unknown as (number | null)[]).entries()) {
      expectClose(got[i], e, 1e-6, 1e-12, `p[${i}]`);
    }
  });
  test.each(cases<{ x: number; n: number; level: number }>('clopper_pearson'))(
    'Clopper–Pearson: $case',
    ({ x, n, level, expected }) => {
      expectAllClose(clopperPearson(x, n, level), expected, 'clopperPearson');
    },
  );
  test.each(cases<{ b: number; c: number; correct: boolean }>('mcnemar'))(
    'McNemar: $case',
    ({ b, c, correct, expected }) => {
      expectAllClose(mcnemar(b, c, { correct }), expected, 'mcnemar');
    },
  );
  test.each(cases<{ table: [number, number, number, number] }>('fisher'))(
    'Fisher: $case',
    ({ table, expected }) => {
      expectAllClose(fisherExact2x2(...table), expected, 'fisher');
    },
  );
  test.each(cases<{ table: number[][]; correct: boolean }>('chisq'))(
    'chi-square: $case',
    ({ table, correct, expected }) => {
      const got = chiSquareTest(table, { correct });
      expectAllClose(got, { statistic: expected.statistic, df: expected.df, p: expected.p }, 'chisq');
      (expected.expected as number[][]).forEach((row, i) => {
        for (const [j, e] of row.entries())
          expectClose(got.expected[i]?.[j], e, 1e-6, 1e-9, `expected[${i}][${j}]`);
      });
    },
  );
});

group('survival matches R survfit and survdiff', () => {
  test.each(cases<{ time: number[]; event: (0 | 1)[] }>('kaplan_meier'))(
    'Kaplan–Meier: $case',
    ({ time, event, expected }) => {
      const km = kaplanMeier(arr(time), arr(event));
      const steps = expected.steps as Record<string, Expected | Expected[]>;
      expect(km.steps.length).toBe(arr(steps.time).length);
      km.steps.forEach((step, i) => {
        const want: Row = {};
        for (const [k, v] of Object.entries(steps)) want[k] = arr(v)[i] ?? null;
        expectAllClose(step, want, `step ${i}`);
      });
      expectAllClose(
        km,
        { median: expected.median, median_lower: expected.median_lower, median_upper: expected.median_upper },
        'km',
      );
    },
  );
  test.each(cases<{ time: number[]; event: (0 | 1)[]; group: string[] }>('log_rank'))(
    'log-rank: $case',
    ({ time, event, group: g, expected }) => {
      const got = logRank(time, event, g);
      const { groups, ...numbers } = expected;
      expect(got.groups).toEqual(groups);
      expectAllClose(got, numbers, 'logRank');
    },
  );
});

group('linear mixed model matches lme4 (REML, converged to 1e-10)', () => {
  const { visits, sites } = fixture.meta;
  test.each(cases<{ cohort: string; model: 'a' | 'b' | 'c'; slope_time: 't' | 't_nominal' }>('lmm'))(
    '$case',
    ({ cohort, model, slope_time, expected }) => {
      const long = fixture.cohorts[cohort]!.long;
      const visit = { values: long.visit, levels: visits };
      const fit = fitLmm({
        y: long.pain,
        subject: long.subject,
        fixed: model === 'b' ? { visit, site: { values: long.site, levels: sites } } : { visit },
        ...(model === 'c' ? { randomSlope: long[slope_time] } : {}),
      });
      expect(fit.converged).toBe(true);
      const fixed = expected.fixed as Record<string, Expected[]>;
      expect(fit.fixed.map((f) => f.term)).toEqual(fixed.term);
      fit.fixed.forEach((f, i) => {
        for (const key of ['estimate', 'se', 't', 'df', 'p'] as const)
          expectClose(f[key], fixed[key]?.[i], 1e-6, 1e-12, `${f.term} ${key}`);
      });
      const scalars = ['sd_subject', 'sd_residual', 'reml_criterion', 'n_obs', 'n_groups'];
      if (model === 'c') scalars.push('sd_slope', 'corr');
      for (const key of scalars) expectClose(fit[key as keyof typeof fit], expected[key], 1e-6, 1e-9, key);
      for (const [i, th] of arr(expected.theta as number | number[]).entries()) {
        expectClose(fit.theta[i], th, 1e-6, 1e-8, `theta[${i}]`);
      }
    },
  );
});
