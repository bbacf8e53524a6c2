/** Result of a bound-constrained minimisation. */
export interface Minimum {
  x: number[];
  fx: number;
  evaluations: number;
  /** Newton polish ended with a negligible step, a positive-definite Hessian on the free coordinates,
   *  and non-negative derivatives at every active lower bound. */
  converged: boolean;
}

/**
 * Minimises a smooth f subject to x ≥ lower: Nelder–Mead (projected onto the bounds) to get close,
 * then Newton steps with central finite-difference gradient and Hessian to polish the optimum far
 * below the tolerance a derivative-free method can reach (|Δx| ≲ 1e-10), which is what makes the
 * mixed-model estimates reproducible to 1e-6 relative.
 */
export function minimiseBounded(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  lower: readonly number[],
): Minimum {
  let evaluations = 0;
  const lb = lower.map((l) => l);
  const project = (x: readonly number[]): number[] => x.map((v, i) => Math.max(v, lb[i]!));
  const fp = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  const start = nelderMead(fp, project(x0), project);
  const polished = newtonPolish(fp, start.x, start.fx, lb);
  return { ...polished, evaluations };
}

function nelderMead(
  f: (x: readonly number[]) => number,
  x0: number[],
  project: (x: readonly number[]) => number[],
): { x: number[]; fx: number } {
  const n = x0.length;
  const simplex: { x: number[]; fx: number }[] = [{ x: x0, fx: f(x0) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = x[i]! + (Math.abs(x[i]!) > 0.05 ? 0.25 * Math.abs(x[i]!) : 0.25);
    simplex.push({ x: project(x), fx: f(project(x)) });
  }
  const combine = (a: readonly number[], b: readonly number[], t: number) =>
    project(a.map((v, i) => v + t * (b[i]! - v)));
  for (let iter = 0; iter < 400 * n; iter++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const size = Math.max(
      ...simplex.slice(1).map((s) => Math.max(...s.x.map((v, i) => Math.abs(v - best.x[i]!)))),
    );
    // Loose stop: Newton polishing takes it from here.
    if (
      size < 1e-3 * Math.max(1, Math.max(...best.x.map(Math.abs))) ||
      worst.fx - best.fx < 1e-11 * Math.abs(best.fx)
    ) {
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i]! += simplex[k]!.x[i]! / n;
    const reflected = combine(centroid, worst.x, -1);
    const fr = f(reflected);
    const second = simplex[n - 1]!;
    if (fr < best.fx) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < second.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const contracted = fr < worst.fx ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.fx)) {
        simplex[n] = { x: contracted, fx: fc };
      } else {
        for (let k = 1; k <= n; k++) {
          const x = combine(best.x, simplex[k]!.x, 0.5);
          simplex[k] = { x, fx: f(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0]!;
}

function newtonPolish(
  f: (x: readonly number[]) => number,
  x0: number[],
  f0: number,
  lower: readonly number[],
): { x: number[]; fx: number; converged: boolean } {
  let x = [...x0];
  let fx = f0;
  const all = x.map((_, i) => i);
  let previousDecrease = Number.POSITIVE_INFINITY;
  for (let iter = 0; iter < 30; iter++) {
    // f is defined beyond the bounds (they only make θ identifiable), so differences stay central.
    // A fairly large step keeps rounding noise (~1e-10 in f) out of the Hessian; the five-point
    // gradient keeps the truncation error O(h⁴), and the gradient alone fixes where Newton stops.
    const h = x.map((v) => 1e-3 * Math.max(Math.abs(v), 0.1));
    const { g, H } = finiteDifferences(f, x, fx, all, h);
    // Projected Newton: a coordinate at its bound whose slope points outward stays fixed.
    const free = all.filter((i) => !(x[i]! <= lower[i]! && g[i]! > 0));
    if (free.length === 0) return { x, fx, converged: true };
    const step = solveSpd(
      free.map((i) => free.map((j) => H[i]![j]!)),
      free.map((i) => -g[i]!),
    );
    if (step === null) return { x, fx, converged: false };
    const scale = Math.max(1, ...free.map((i) => Math.abs(x[i]!)));
    const size = Math.max(...step.map(Math.abs));
    // Predicted decrease ½ s'Hs = −½ g's: once it is below the rounding noise of f, the gradient
    // is noise too and further steps only wander (f of 700k rows is accurate to ~1e-13 relative).
    const decrease = -0.5 * free.reduce((sum, i, j) => sum + g[i]! * step[j]!, 0);
    // Newton shrinks the decrease quadratically; when it stops shrinking, rounding noise rules.
    const atNoise = decrease < 1e-16 * Math.max(1, Math.abs(fx)) || decrease > 0.1 * previousDecrease;
    previousDecrease = decrease;
    if (size < 1e-10 * scale) return { x, fx, converged: true };
    let accepted = false;
    for (let k = 0, t = 1; k < 30 && !accepted; k++, t /= 2) {
      const trial = [...x];
      free.forEach((i, j) => {
        trial[i] = Math.max(lower[i]!, x[i]! + t * step[j]!);
      });
      const ft = f(trial);
      // Allow rounding-level increases: near the optimum the criterion is flat to ~1e-13 relative.
      if (ft <= fx + 1e-13 * Math.abs(fx)) {
        x = trial;
        fx = ft;
        accepted = true;
      }
    }
    if (!accepted || atNoise) return { x, fx, converged: accepted || size < 1e-7 * scale };
  }
  return { x, fx, converged: false };
}

function finiteDifferences(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  fx: number,
  free: readonly number[],
  h: readonly number[],
): { g: number[]; H: number[][] } {
  const at = (shifts: [number, number][]): number => {
    const y = [...x];
    for (const [i, s] of shifts) y[i] = y[i]! + s * h[i]!;
    return f(y);
  };
  const m = free.length;
  const g = new Array<number>(m).fill(0);
  const H = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let a = 0; a < m; a++) {
    const i = free[a]!;
    const fPlus = at([[i, 1]]);
    const fMinus = at([[i, -1]]);
    const fPlus2 = at([[i, 2]]);
    const fMinus2 = at([[i, -2]]);
    g[a] = (8 * (fPlus - fMinus) - (fPlus2 - fMinus2)) / (12 * h[i]!);
    H[a]![a] = (fPlus - 2 * fx + fMinus) / h[i]! ** 2;
    for (let b = 0; b < a; b++) {
      const j = free[b]!;
      const v =
        (at([
          [i, 1],
          [j, 1],
        ]) -
          at([
            [i, 1],
            [j, -1],
          ]) -
          at([
            [i, -1],
            [j, 1],
          ]) +
          at([
            [i, -1],
            [j, -1],
          ])) /
        (4 * h[i]! * h[j]!);
      H[a]![b] = v;
      H[b]![a] = v;
    }
  }
  return { g, H };
}

/** Solves H s = r for a small symmetric positive-definite H (Cholesky); null if H is not PD. */
function solveSpd(H: number[][], r: number[]): number[] | null {
  const m = r.length;
  const L = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  for (let j = 0; j < m; j++) {
    let s = H[j]![j]!;
    for (let k = 0; k < j; k++) s -= L[j]![k]! ** 2;
    if (!(s > 0)) return null;
    L[j]![j] = Math.sqrt(s);
    for (let i = j + 1; i < m; i++) {
      let t = H[i]![j]!;
      for (let k = 0; k < j; k++) t -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = t / L[j]![j]!;
    }
  }
  const z = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    let s = r[i]!;
    for (let k = 0; k < i; k++) s -= L[i]![k]! * z[k]!;
    z[i] = s / L[i]![i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < m; k++) s -= L[k]![i]! * z[k]!;
    z[i] = s / L[i]![i]!;
  }
  return z;
}
