import { expect, describe as group, test } from 'vitest';
import { fitLmm, LmmFitError } from './lmm.js';

// Balanced one-way layout: REML equals the ANOVA estimates when they are positive.
// Subjects (1, 3), (4, 6), (8, 8): MSW = 4/3, MSB = 18, σ_b² = (MSB − MSW) / 2.
const y = [1, 3, 4, 6, 8, 8];
const subject = ['p1', 'p1', 'p2', 'p2', 'p3', 'p3'];

group('fitLmm', () => {
  test('random intercept on a balanced layout reproduces the ANOVA (REML) estimates', () => {
    const fit = fitLmm({ y, subject });
    expect(fit.converged).toBe(true);
    expect(fit.fixed).toHaveLength(1);
    expect(fit.fixed[0]!.term).toBe('(Intercept)');
    expect(fit.fixed[0]!.estimate).toBeCloseTo(5, 10);
    // Var(ȳ) = MSB / N for a balanced design.
    expect(fit.fixed[0]!.se).toBeCloseTo(Math.sqrt(18 / 6), 8);
    expect(fit.sd_residual).toBeCloseTo(Math.sqrt(4 / 3), 8);
    expect(fit.sd_subject).toBeCloseTo(Math.sqrt((18 - 4 / 3) / 2), 8);
    expect(fit.n_obs).toBe(6);
    expect(fit.n_groups).toBe(3);
  });

  test('no between-subject variance is a boundary (singular) fit with sd_subject 0', () => {
    const fit = fitLmm({ y: [1, 3, 3, 1, 2, 2], subject });
    expect(fit.sd_subject).toBe(0);
    expect(fit.singular).toBe(true);
    expect(fit.converged).toBe(true);
  });

  test('names factor columns as R does and drops a level without rows (no singular matrix)', () => {
    const visit = ['baseline', 'week2', 'baseline', 'week2', 'baseline', 'week2'];
    const site = ['VCU', 'VCU', 'MGH', 'MGH', 'VCU', 'VCU'];
    const fit = fitLmm({
      y,
      subject,
      fixed: {
        visit: { values: visit, levels: ['baseline', 'week2', 'week4'] },
        site: { values: site, levels: ['MGH', 'VCU', 'WFU'] },
      },
    });
    expect(fit.fixed.map((f) => f.term)).toEqual(['(Intercept)', 'visitweek2', 'siteVCU']);
    // Unlabelled string columns get sorted levels, as R factor().
    const sorted = fitLmm({ y, subject, fixed: { visit, site } });
    expect(sorted.fixed.map((f) => f.estimate)).toEqual(fit.fixed.map((f) => f.estimate));
  });

  test('drops rows with a missing response and accepts numeric subject ids', () => {
    const fit = fitLmm({ y: [...y, Number.NaN], subject: [1, 1, 2, 2, 3, 3, 3] });
    expect(fit.n_obs).toBe(6);
    expect(fit.fixed[0]!.estimate).toBeCloseTo(5, 10);
  });

  test('a random slope reports its SD and correlation with the intercept', () => {
    const t = [0, 1, 0, 1, 0, 1];
    const fit = fitLmm({ y: [1, 3, 4, 7, 8, 8.5], subject, randomSlope: t });
    expect(fit.theta).toHaveLength(3);
    expect(fit.sd_slope).toBeGreaterThanOrEqual(0);
    expect(fit).toHaveProperty('corr');
  });

  test('rejects a rank-deficient design, too few rows and a single subject', () => {
    expect(() => fitLmm({ y, subject, fixed: { a: [1, 1, 1, 1, 1, 1] } })).toThrow(/rank deficient/);
    expect(() => fitLmm({ y: [1, 2], subject: ['a', 'b'], fixed: { x: [1, 2] } })).toThrow(RangeError);
    expect(() => fitLmm({ y: [1, 2, 3], subject: ['a', 'a', 'a'] })).toThrow(/two subjects/);
    expect(() => fitLmm({ y, subject: ['a'] })).toThrow(RangeError);
  });

  test('data the model cannot support is an LmmFitError; a programming error is not', () => {
    const unfit = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof LmmFitError;
      }
      return 'no error';
    };
    expect(unfit(() => fitLmm({ y, subject, fixed: { a: [1, 1, 1, 1, 1, 1] } }))).toBe(true);
    expect(unfit(() => fitLmm({ y: [1, 2, 3], subject: ['a', 'a', 'a'] }))).toBe(true);
    // Mismatched lengths are the caller's bug: reported, never turned into "model not fitted".
    expect(unfit(() => fitLmm({ y, subject: ['a'] }))).toBe(false);
  });
});
