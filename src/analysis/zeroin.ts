/**
 * R's `uniroot` (Brent's zeroin, src/library/stats/src/zeroin.c `R_zeroin2`), ported line by line
 * so that statistics R defines through `uniroot` with its default tolerance
 * (`.Machine$double.eps^0.25`) come out as R reports them, not merely close to the true root.
 */
export const R_UNIROOT_TOL = 2.220446049250313e-16 ** 0.25;

const EPSILON = 2.220446049250313e-16;

/** Root of `f` in [lower, upper] exactly as R `uniroot(f, c(lower, upper))$root`. */
export function uniroot(
  f: (x: number) => number,
  lower: number,
  upper: number,
  tol = R_UNIROOT_TOL,
  maxIter = 1000,
): number {
  const fLower = f(lower);
  const fUpper = f(upper);
  if (fLower * fUpper > 0) throw new RangeError('f() values at end points not of opposite sign');
  return zeroin2(f, lower, upper, fLower, fUpper, tol, maxIter);
}

function zeroin2(
  f: (x: number) => number,
  ax: number,
  bx: number,
  faIn: number,
  fbIn: number,
  tol: number,
  maxIter: number,
): number {
  let a = ax;
  let b = bx;
  let fa = faIn;
  let fb = fbIn;
  let c = a;
  let fc = fa;
  if (fa === 0) return a;
  if (fb === 0) return b;
  let maxit = maxIter + 1;
  while (maxit-- > 0) {
    const prevStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      // Swap so that b is the best approximation.
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tolAct = 2 * EPSILON * Math.abs(b) + tol / 2;
    let newStep = (c - b) / 2;
    if (Math.abs(newStep) <= tolAct || fb === 0) return b;
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      const cb = c - b;
      let p: number;
      let q: number;
      if (a === c) {
        // Two distinct points: linear interpolation.
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        // Inverse quadratic interpolation.
        const qq = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1));
        q = (qq - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q;
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += newStep;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}
