import type { LmmDesign } from './lmm-design.js';
import { type Accumulated, accumulateGrouped, type GroupedStats } from './lmm-grouped.js';

/** The profiled REML fit at one value of the relative covariance parameters θ. */
export interface RemlEvaluation {
  /** REML deviance, lme4's REMLcrit: -2 × REML log-likelihood with β and σ² profiled out. */
  deviance: number;
  beta: Float64Array;
  /** Cholesky factor (lower, row-major) of X'V₀⁻¹X, V₀ = I + ZΛΛ'Z'. */
  cholXtVX: Float64Array;
  /** Penalised residual sum of squares (y - Xβ)'V₀⁻¹(y - Xβ). */
  pwrss: number;
}

/**
 * Evaluates the profiled REML criterion of lme4 (Bates et al. 2015, eq. 41):
 *   d_R(θ) = log|Λ'Z'ZΛ + I| + log|R_X|² + (n - p)(1 + log(2π r²/(n - p)))
 * using the block-diagonal Z: per group the q×q matrix M = I + Λ'Z'ZΛ and Woodbury,
 *   X'V₀⁻¹X = X'X - Σ (Z'X)' W (Z'X),  W = Λ M⁻¹ Λ',
 * so nothing larger than p×p is ever formed. θ is lme4's: [λ11] or [λ11, λ21, λ22] (Λ lower).
 */
export function evaluateReml(
  design: LmmDesign,
  theta: readonly number[],
  grouped: GroupedStats | null = null,
): RemlEvaluation {
  const { p, nObs } = design;
  const { a, b, c, logDetM } =
    grouped === null ? accumulateBySubject(design, theta) : accumulateGrouped(design, grouped, theta);
  const chol = choleskyUpperInput(a, p);
  const nmp = nObs - p;
  if (chol === null)
    return { deviance: Number.POSITIVE_INFINITY, beta: new Float64Array(p), cholXtVX: a, pwrss: Number.NaN };
  const beta = cholSolve(chol, b, p);
  let pwrss = c;
  for (let j = 0; j < p; j++) pwrss -= beta[j]! * b[j]!;
  let logDetRX = 0;
  for (let j = 0; j < p; j++) logDetRX += 2 * Math.log(chol[j * p + j]!);
  const deviance = logDetM + logDetRX + nmp * (1 + Math.log((2 * Math.PI * pwrss) / nmp));
  return {
    deviance: Number.isFinite(deviance) ? deviance : Number.POSITIVE_INFINITY,
    beta,
    cholXtVX: chol,
    pwrss,
  };
}

/** X'V₀⁻¹X (upper triangle), X'V₀⁻¹y, y'V₀⁻¹y and log|M| summed subject by subject. */
function accumulateBySubject(design: LmmDesign, theta: readonly number[]): Accumulated {
  const { p } = design;
  const a = Float64Array.from(design.xtx);
  const b = Float64Array.from(design.xty);
  let c = design.yty;
  let logDetM = 0;
  // Blocked summation: a block's terms are summed from zero and then subtracted, which keeps the
  // rounding noise of the criterion ~10× lower than one running sum over 100,000 subjects and so
  // lets Newton's finite differences resolve θ more finely.
  const blockA = new Float64Array(p * p);
  const blockB = new Float64Array(p);
  for (let start = 0; start < design.nGroups; start += BLOCK) {
    blockA.fill(0);
    blockB.fill(0);
    const block = accumulateBlock(
      design,
      theta,
      start,
      Math.min(start + BLOCK, design.nGroups),
      blockA,
      blockB,
    );
    for (let i = 0; i < p * p; i++) a[i]! -= blockA[i]!;
    for (let j = 0; j < p; j++) b[j]! -= blockB[j]!;
    c -= block.c;
    logDetM += block.logDetM;
  }
  return { a, b, c, logDetM };
}

const BLOCK = 512;

/** Σ (Z'X)'W(Z'X), Σ (Z'X)'W(Z'y), Σ (Z'y)'W(Z'y) and Σ log|M| over groups [from, to). */
function accumulateBlock(
  design: LmmDesign,
  theta: readonly number[],
  from: number,
  to: number,
  a: Float64Array,
  b: Float64Array,
): { c: number; logDetM: number } {
  const { p, q, ztz, ztx, zty } = design;
  let c = 0;
  // log|M| = Σ log det M_i: multiply the determinants (all ≥ 1) and take a log only now and then.
  let logDetM = 0;
  let detProduct = 1;
  if (q === 1) {
    const t2 = theta[0]! * theta[0]!;
    for (let g = from; g < to; g++) {
      const m = 1 + t2 * ztz[g]!;
      const w = t2 / m;
      detProduct *= m;
      if (detProduct > 1e250) {
        logDetM += Math.log(detProduct);
        detProduct = 1;
      }
      const off = g * p;
      const zy = zty[g]!;
      for (let j = 0; j < p; j++) {
        const wj = w * ztx[off + j]!;
        if (wj === 0) continue;
        b[j]! += wj * zy;
        const row = j * p;
        for (let k = j; k < p; k++) a[row + k]! += wj * ztx[off + k]!;
      }
      c += w * zy * zy;
    }
  } else {
    const [t0 = 0, t1 = 0, t2 = 0] = theta;
    for (let g = from; g < to; g++) {
      const g00 = ztz[g * 4]!;
      const g01 = ztz[g * 4 + 1]!;
      const g11 = ztz[g * 4 + 3]!;
      // M = I + Λ'GΛ for Λ = [[t0, 0], [t1, t2]].
      const m00 = 1 + t0 * t0 * g00 + 2 * t0 * t1 * g01 + t1 * t1 * g11;
      const m01 = t2 * (t0 * g01 + t1 * g11);
      const m11 = 1 + t2 * t2 * g11;
      const det = m00 * m11 - m01 * m01;
      detProduct *= det;
      if (detProduct > 1e250) {
        logDetM += Math.log(detProduct);
        detProduct = 1;
      }
      const inv = 1 / det;
      const i00 = m11 * inv;
      const i01 = -m01 * inv;
      const i11 = m00 * inv;
      // W = Λ M⁻¹ Λ'.
      const w00 = t0 * t0 * i00;
      const w01 = t0 * (i00 * t1 + i01 * t2);
      const w11 = (t1 * i00 + t2 * i01) * t1 + (t1 * i01 + t2 * i11) * t2;
      const off0 = g * 2 * p;
      const off1 = off0 + p;
      const zy0 = zty[g * 2]!;
      const zy1 = zty[g * 2 + 1]!;
      // Row j of A'WA needs only (W a_j): u = w00 a0j + w01 a1j, v = w01 a0j + w11 a1j.
      for (let j = 0; j < p; j++) {
        const a0 = ztx[off0 + j]!;
        const a1 = ztx[off1 + j]!;
        const u = w00 * a0 + w01 * a1;
        const v = w01 * a0 + w11 * a1;
        b[j]! += u * zy0 + v * zy1;
        const row = j * p - off0;
        for (let k = off0 + j; k < off1; k++) a[row + k]! += u * ztx[k]! + v * ztx[k + p]!;
      }
      c += zy0 * (w00 * zy0 + w01 * zy1) + zy1 * (w01 * zy0 + w11 * zy1);
    }
  }
  return { c, logDetM: logDetM + Math.log(detProduct) };
}

/** Cholesky L (lower, row-major) of the symmetric matrix whose upper triangle is stored in `a`. */
function choleskyUpperInput(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let s = a[j * p + j]!;
    for (let k = 0; k < j; k++) s -= l[j * p + k]! ** 2;
    // Relative pivot test: a rank-deficient X makes the pivot vanish up to rounding.
    if (!(s > 1e-10 * Math.abs(a[j * p + j]!)) || !(s > 0)) return null;
    const d = Math.sqrt(s);
    l[j * p + j] = d;
    for (let i = j + 1; i < p; i++) {
      let t = a[j * p + i]!;
      for (let k = 0; k < j; k++) t -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = t / d;
    }
  }
  return l;
}

/** Solves L L' x = b. */
export function cholSolve(l: Float64Array, b: ArrayLike<number>, p: number): Float64Array {
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * z[k]!;
    z[i] = s / l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * z[k]!;
    z[i] = s / l[i * p + i]!;
  }
  return z;
}

/** Diagonal of (L L')⁻¹: the unscaled variances of β̂. */
export function cholInverseDiagonal(l: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    out[j] = cholSolve(l, e, p)[j]!;
  }
  return out;
}
