/** A fixed-effect covariate: strings are a factor (levels sorted unless given), numbers a numeric column. */
export type LmmCovariate =
  | readonly (string | null)[]
  | ArrayLike<number>
  | { readonly values: readonly (string | null)[]; readonly levels: readonly string[] };

export interface LmmInput {
  /** Response; non-finite values are missing and their rows dropped (lme4 default na.omit). */
  y: ArrayLike<number>;
  /** Grouping factor of the random effects (the patient). */
  subject: readonly (string | number)[];
  /** Fixed terms in formula order; the intercept is always included. */
  fixed?: Readonly<Record<string, LmmCovariate>>;
  /** Numeric covariate of a correlated random slope, `(1 + t | subject)`; omitted: `(1 | subject)`. */
  randomSlope?: ArrayLike<number>;
}

/** Sufficient statistics of the model: everything the REML criterion needs, O(p² + groups·q·p). */
export interface LmmDesign {
  terms: string[];
  nObs: number;
  nGroups: number;
  p: number;
  q: number;
  xtx: Float64Array;
  xty: Float64Array;
  yty: number;
  /** Per group, row-major: Z'Z (q×q), Z'X (q×p), Z'y (q). */
  ztz: Float64Array;
  ztx: Float64Array;
  zty: Float64Array;
}

type Column = { kind: 'factor'; codes: Int32Array } | { kind: 'numeric'; values: ArrayLike<number> };

/** Builds the design by one pass over the rows; empty factor levels get no column (R droplevels). */
export function buildLmmDesign(input: LmmInput): LmmDesign {
  const nRows = input.y.length;
  if (input.subject.length !== nRows) throw new RangeError('subject and y differ in length');
  const slope = input.randomSlope;
  if (slope !== undefined && slope.length !== nRows)
    throw new RangeError('randomSlope and y differ in length');
  const keep = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    keep[i] = Number.isFinite(input.y[i]!) && (slope === undefined || Number.isFinite(slope[i]!)) ? 1 : 0;
  }
  const terms = ['(Intercept)'];
  const columns: { offset: number; column: Column }[] = [];
  const specs = Object.entries(input.fixed ?? {});
  for (const [, cov] of specs) markMissing(cov, keep);
  for (const [name, cov] of specs) {
    const offset = terms.length;
    if (isFactor(cov)) {
      const { values, given } =
        'levels' in cov ? { values: cov.values, given: cov.levels } : { values: cov, given: null };
      if (values.length !== nRows) throw new RangeError(`fixed term ${name} differs in length from y`);
      const present = new Set<string>();
      for (let i = 0; i < nRows; i++) if (keep[i]) present.add(values[i]!);
      // Factor levels in the given order, else sorted (R factor()); levels without rows are dropped.
      const levels = (given ?? [...present].sort()).filter((l) => present.has(l));
      const unknown = [...present].filter((l) => !levels.includes(l));
      if (unknown.length > 0)
        throw new RangeError(`fixed term ${name} has values not in its levels: ${unknown.join(', ')}`);
      const code = new Map(levels.map((l, j) => [l, j - 1]));
      const codes = new Int32Array(nRows).fill(-1);
      for (let i = 0; i < nRows; i++) if (keep[i]) codes[i] = code.get(values[i]!)!;
      // Treatment contrasts: the first level is the reference, one column per other level.
      for (const l of levels.slice(1)) terms.push(`${name}${l}`);
      columns.push({ offset, column: { kind: 'factor', codes } });
    } else {
      if (cov.length !== nRows) throw new RangeError(`fixed term ${name} differs in length from y`);
      terms.push(name);
      columns.push({ offset, column: { kind: 'numeric', values: cov } });
    }
  }
  return accumulate(input, keep, terms, columns);
}

function isFactor(cov: LmmCovariate): cov is Exclude<LmmCovariate, ArrayLike<number>> {
  if ('levels' in cov) return true;
  for (let i = 0; i < cov.length; i++) {
    const v = (cov as ArrayLike<unknown>)[i];
    if (v !== null && v !== undefined) return typeof v === 'string';
  }
  return false;
}

function markMissing(cov: LmmCovariate, keep: Uint8Array): void {
  const values = (isFactor(cov) && 'levels' in cov ? cov.values : cov) as ArrayLike<unknown>;
  for (let i = 0; i < keep.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) keep[i] = 0;
  }
}

function accumulate(
  input: LmmInput,
  keep: Uint8Array,
  terms: string[],
  columns: { offset: number; column: Column }[],
): LmmDesign {
  const p = terms.length;
  const slope = input.randomSlope;
  const q = slope === undefined ? 1 : 2;
  const groupOf = new Map<string | number, number>();
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  let yty = 0;
  let ztz: Float64Array = new Float64Array(1024 * q * q);
  let ztx: Float64Array = new Float64Array(1024 * q * p);
  let zty: Float64Array = new Float64Array(1024 * q);
  const x = new Float64Array(p);
  const nz = new Int32Array(p);
  let nObs = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    nObs++;
    let g = groupOf.get(input.subject[i]!);
    if (g === undefined) {
      g = groupOf.size;
      groupOf.set(input.subject[i]!, g);
      if ((g + 1) * q * p > ztx.length) {
        ztz = grow(ztz);
        ztx = grow(ztx);
        zty = grow(zty);
      }
    }
    // Sparse row of X: intercept, one dummy per factor (if not the reference), numeric values.
    let m = 0;
    x[0] = 1;
    nz[m++] = 0;
    for (const { offset, column } of columns) {
      if (column.kind === 'factor') {
        const c = column.codes[i]!;
        if (c >= 0) {
          x[offset + c] = 1;
          nz[m++] = offset + c;
        }
      } else {
        x[offset] = column.values[i]!;
        nz[m++] = offset;
      }
    }
    const yi = input.y[i]!;
    const zi1 = slope === undefined ? 0 : slope[i]!;
    yty += yi * yi;
    for (let a = 0; a < m; a++) {
      const ja = nz[a]!;
      const xa = x[ja]!;
      xty[ja]! += xa * yi;
      for (let b = 0; b < m; b++) xtx[ja * p + nz[b]!]! += xa * x[nz[b]!]!;
      ztx[g * q * p + ja]! += xa;
      if (q === 2) ztx[g * q * p + p + ja]! += zi1 * xa;
    }
    zty[g * q]! += yi;
    ztz[g * q * q]! += 1;
    if (q === 2) {
      zty[g * q + 1]! += zi1 * yi;
      ztz[g * 4 + 1]! += zi1;
      ztz[g * 4 + 2]! += zi1;
      ztz[g * 4 + 3]! += zi1 * zi1;
    }
  }
  const nGroups = groupOf.size;
  return {
    terms,
    nObs,
    nGroups,
    p,
    q,
    xtx,
    xty,
    yty,
    ztz: ztz.slice(0, nGroups * q * q),
    ztx: ztx.slice(0, nGroups * q * p),
    zty: zty.slice(0, nGroups * q),
  };
}

function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
