import type { LmmDesign } from './lmm-design.js';

/** X'V₀⁻¹X (upper triangle used), X'V₀⁻¹y, y'V₀⁻¹y and log|Λ'Z'ZΛ + I| at one θ. */
export interface Accumulated {
  a: Float64Array;
  b: Float64Array;
  c: number;
  logDetM: number;
}

/**
 * Subjects that share Z'Z (same number of visits, and same slope times) share M = I + Λ'Z'ZΛ, so
 * their Woodbury terms add up before θ is known: Σ_i (Z_i'X)' W (Z_i'X) = Σ_rs W_rs S_rs with
 * S_rs = Σ_i a_ir a_is'. With a random intercept only Z'Z is the visit count, so a 100,000-subject
 * fit costs a handful of p×p updates per evaluation instead of a pass over every subject.
 */
export interface GroupedStats {
  k: number;
  count: Float64Array;
  ztz: Float64Array;
  sxx: Float64Array;
  sxy: Float64Array;
  syy: Float64Array;
}

/** Pools subjects with identical Z'Z; null when that saves too little or needs too much memory. */
export function groupSubjects(design: LmmDesign): GroupedStats | null {
  const { p, q, nGroups, ztz, ztx, zty } = design;
  const qq = q * q;
  const index = new Int32Array(nGroups);
  const keys = new Map<string, number>();
  for (let g = 0; g < nGroups; g++) {
    const key = q === 1 ? String(ztz[g]) : `${ztz[g * 4]},${ztz[g * 4 + 1]},${ztz[g * 4 + 3]}`;
    let k = keys.get(key);
    if (k === undefined) {
      k = keys.size;
      keys.set(key, k);
    }
    index[g] = k;
  }
  const k = keys.size;
  if (k * 4 > nGroups || k * qq * p * p > 4_000_000) return null;
  const out: GroupedStats = {
    k,
    count: new Float64Array(k),
    ztz: new Float64Array(k * qq),
    sxx: new Float64Array(k * qq * p * p),
    sxy: new Float64Array(k * qq * p),
    syy: new Float64Array(k * qq),
  };
  for (let g = 0; g < nGroups; g++) {
    const kk = index[g]!;
    out.count[kk]! += 1;
    for (let i = 0; i < qq; i++) out.ztz[kk * qq + i] = ztz[g * qq + i]!;
    for (let r = 0; r < q; r++) {
      for (let s = 0; s < q; s++) {
        const rs = kk * qq + r * q + s;
        const ar = g * q * p + r * p;
        const as = g * q * p + s * p;
        const zs = zty[g * q + s]!;
        out.syy[rs]! += zty[g * q + r]! * zs;
        // Upper triangle (m ≥ j) of S_rs for every (r, s): that is all Σ_rs W_rs S_rs needs.
        for (let j = 0; j < p; j++) {
          const arj = ztx[ar + j]!;
          if (arj === 0) continue;
          out.sxy[rs * p + j]! += arj * zs;
          for (let m = j; m < p; m++) out.sxx[rs * p * p + j * p + m]! += arj * ztx[as + m]!;
        }
      }
    }
  }
  return out;
}

/** The same sums as the per-subject pass, from pooled statistics. */
export function accumulateGrouped(
  design: LmmDesign,
  grouped: GroupedStats,
  theta: readonly number[],
): Accumulated {
  const { p, q } = design;
  const qq = q * q;
  const a = Float64Array.from(design.xtx);
  const b = Float64Array.from(design.xty);
  let c = design.yty;
  let logDetM = 0;
  const w = new Float64Array(qq);
  for (let kk = 0; kk < grouped.k; kk++) {
    logDetM += grouped.count[kk]! * blockWeights(theta, grouped.ztz, kk * qq, q, w);
    for (let rs = 0; rs < qq; rs++) {
      const wrs = w[rs]!;
      if (wrs === 0) continue;
      const base = kk * qq + rs;
      c -= wrs * grouped.syy[base]!;
      for (let j = 0; j < p; j++) {
        b[j]! -= wrs * grouped.sxy[base * p + j]!;
        for (let m = j; m < p; m++) a[j * p + m]! -= wrs * grouped.sxx[base * p * p + j * p + m]!;
      }
    }
  }
  return { a, b, c, logDetM };
}

/** W = Λ M⁻¹ Λ' (row-major q×q into `w`) for M = I + Λ'GΛ; returns log|M|. */
function blockWeights(
  theta: readonly number[],
  ztz: Float64Array,
  off: number,
  q: number,
  w: Float64Array,
): number {
  if (q === 1) {
    const t2 = theta[0]! * theta[0]!;
    const m = 1 + t2 * ztz[off]!;
    w[0] = t2 / m;
    return Math.log(m);
  }
  const [t0 = 0, t1 = 0, t2 = 0] = theta;
  const g00 = ztz[off]!;
  const g01 = ztz[off + 1]!;
  const g11 = ztz[off + 3]!;
  const m00 = 1 + t0 * t0 * g00 + 2 * t0 * t1 * g01 + t1 * t1 * g11;
  const m01 = t2 * (t0 * g01 + t1 * g11);
  const m11 = 1 + t2 * t2 * g11;
  const det = m00 * m11 - m01 * m01;
  const i00 = m11 / det;
  const i01 = -m01 / det;
  const i11 = m00 / det;
  w[0] = t0 * t0 * i00;
  w[1] = t0 * (i00 * t1 + i01 * t2);
  w[2] = w[1]!;
  w[3] = (t1 * i00 + t2 * i01) * t1 + (t1 * i01 + t2 * i11) * t2;
  return Math.log(det);
}
