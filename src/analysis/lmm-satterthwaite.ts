import { cholInverseDiagonal, evaluateReml } from './lmm-criterion.js';
import type { LmmDesign } from './lmm-design.js';
import type { GroupedStats } from './lmm-grouped.js';

/**
 * Richardson extrapolation of a central-difference estimate D(h) whose error is a series in h²:
 * D(h0), D(h0/2), D(h0/4), D(h0/8) combined to cancel the h², h⁴ and h⁶ terms.
 */
function richardson(estimate: (h: number) => number, h0: number): number {
  const rows = 4;
  let previous: number[] = [];
  for (let m = 0; m < rows; m++) {
    const current = [estimate(h0 / 2 ** m)];
    for (let k = 1; k <= m; k++) {
      const f = 4 ** k;
      current.push((f * current[k - 1]! - previous[k - 1]!) / (f - 1));
    }
    previous = current;
  }
  return previous[rows - 1]!;
}

/** Step for a derivative at x, as numDeriv: 0.1 × |x|, or 1e-4 near zero. */
const step = (x: number) => (Math.abs(x) < 1.778e-5 ? 1e-4 : 0.1 * Math.abs(x));

/**
 * Satterthwaite degrees of freedom of each fixed effect, as lmerTest (Kuznetsova et al. 2017) for
 * a REML fit: with varpar = (θ, σ), the REML deviance
 *   d(θ, σ) = log|M(θ)| + log|R_X(θ)|² + pwrss(θ)/σ² + (n − p) log(2πσ²),
 * A = 2 H⁻¹ (H its Hessian at the optimum), Var(β̂_j) = σ² U_jj(θ) with U = (X'V₀⁻¹X)⁻¹, and
 *   df_j = 2 Var(β̂_j)² / (∇Var(β̂_j)' A ∇Var(β̂_j)).
 * The σ derivatives are analytic; the θ derivatives of log-determinants, pwrss and U_jj are
 * central differences with Richardson extrapolation (lmerTest uses numDeriv on the same functions).
 * Null entries when H is not positive definite (a boundary fit).
 */
export function satterthwaiteDf(
  design: LmmDesign,
  theta: readonly number[],
  grouped: GroupedStats | null,
): (number | null)[] {
  const { p, nObs } = design;
  const nmp = nObs - p;
  const k = theta.length;
  const parts = (th: readonly number[]) => {
    const e = evaluateReml(design, th, grouped);
    const logDets = e.deviance - nmp * (1 + Math.log((2 * Math.PI * e.pwrss) / nmp));
    return { logDets, pwrss: e.pwrss, unscaled: cholInverseDiagonal(e.cholXtVX, p) };
  };
  const at = parts(theta);
  const sigma2 = at.pwrss / nmp;
  const sigma = Math.sqrt(sigma2);
  // Each shifted θ is evaluated once (the derivatives below share them).
  const memo = new Map<string, ReturnType<typeof parts>>();
  const shifted = (moves: [number, number][]) => {
    const key = moves.map(([i, h]) => `${i}:${h}`).join(',');
    let hit = memo.get(key);
    if (!hit) {
      const th = [...theta];
      for (const [i, h] of moves) th[i]! += h;
      hit = parts(th);
      memo.set(key, hit);
    }
    return hit;
  };
  // Gradient of pwrss and U_jj, Hessian of logDets + pwrss/σ² in θ.
  const gradPwrss: number[] = [];
  const gradU: number[][] = Array.from({ length: p }, () => []);
  const hess: number[][] = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
  const f = (x: ReturnType<typeof parts>) => x.logDets + x.pwrss / sigma2;
  for (let i = 0; i < k; i++) {
    const h0 = step(theta[i]!);
    gradPwrss.push(richardson((h) => (shifted([[i, h]]).pwrss - shifted([[i, -h]]).pwrss) / (2 * h), h0));
    for (let j = 0; j < p; j++) {
      gradU[j]!.push(
        richardson((h) => (shifted([[i, h]]).unscaled[j]! - shifted([[i, -h]]).unscaled[j]!) / (2 * h), h0),
      );
    }
    for (let l = 0; l <= i; l++) {
      const g0 = Math.min(h0, step(theta[l]!));
      const value =
        l === i
          ? richardson((h) => (f(shifted([[i, h]])) - 2 * f(at) + f(shifted([[i, -h]]))) / (h * h), h0)
          : richardson(
              (h) =>
                (f(
                  shifted([
                    [i, h],
                    [l, h],
                  ]),
                ) -
                  f(
                    shifted([
                      [i, h],
                      [l, -h],
                    ]),
                  ) -
                  f(
                    shifted([
                      [i, -h],
                      [l, h],
                    ]),
                  ) +
                  f(
                    shifted([
                      [i, -h],
                      [l, -h],
                    ]),
                  )) /
                (4 * h * h),
              g0,
            );
      hess[i]![l] = value;
      hess[l]![i] = value;
    }
    // ∂²d/∂θ_i∂σ = −2 ∂pwrss/∂θ_i / σ³.
    hess[i]![k] = (-2 * gradPwrss[i]!) / sigma ** 3;
    hess[k]![i] = hess[i]![k]!;
  }
  // ∂²d/∂σ² = 6 pwrss/σ⁴ − 2(n − p)/σ².
  hess[k]![k] = (6 * at.pwrss) / sigma2 ** 2 - (2 * nmp) / sigma2;
  const inverse = invertSpd(hess);
  if (inverse === null) return new Array<number | null>(p).fill(null);
  return Array.from({ length: p }, (_, j) => {
    const v = sigma2 * at.unscaled[j]!;
    const grad = [...gradU[j]!.map((g) => sigma2 * g), 2 * sigma * at.unscaled[j]!];
    let denom = 0;
    for (let a = 0; a <= k; a++)
      for (let b = 0; b <= k; b++) denom += grad[a]! * 2 * inverse[a]![b]! * grad[b]!;
    return denom > 0 ? (2 * v * v) / denom : null;
  });
}

/** Inverse of a small symmetric positive definite matrix (Gauss–Jordan); null when not positive definite. */
function invertSpd(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    if (!(pivot > 0)) return null;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= factor * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}
