import { expect, test } from 'vitest';
import { evaluateReml } from './lmm-criterion.js';
import { buildLmmDesign } from './lmm-design.js';
import { groupSubjects } from './lmm-grouped.js';

// 40 subjects × 3 visits, deterministic pseudo-random responses.
const rows = Array.from({ length: 120 }, (_, i) => i);
const subject = rows.map((i) => Math.floor(i / 3));
const visit = rows.map((i) => ['baseline', 'week2', 'week12'][i % 3]!);
const t = rows.map((i) => [0, 2, 12][i % 3]! / 52);
const y = rows.map((i) => 8 - 2 * (i % 3) + Math.sin(i * 1.7) + Math.cos(Math.floor(i / 3) * 2.3));

test.each([
  ['random intercept', undefined, [0.8]],
  ['random intercept and slope', t, [0.8, -0.3, 0.5]],
])('pooling subjects with equal Z′Z leaves the REML criterion unchanged: %s', (_, slope, theta) => {
  const design = buildLmmDesign({ y, subject, fixed: { visit }, ...(slope ? { randomSlope: slope } : {}) });
  const grouped = groupSubjects(design);
  expect(grouped).not.toBeNull();
  const direct = evaluateReml(design, theta);
  const pooled = evaluateReml(design, theta, grouped);
  expect(pooled.deviance).toBeCloseTo(direct.deviance, 9);
  for (const [j, b] of pooled.beta.entries()) expect(b).toBeCloseTo(direct.beta[j]!, 10);
});

test('at θ = 0 the criterion is the ordinary least-squares REML deviance', () => {
  const design = buildLmmDesign({ y, subject });
  const n = y.length;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const rss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  // log|X'X| + (n − p)(1 + log(2π rss / (n − p))) with X = 1.
  const want = Math.log(n) + (n - 1) * (1 + Math.log((2 * Math.PI * rss) / (n - 1)));
  expect(evaluateReml(design, [0]).deviance).toBeCloseTo(want, 9);
});
