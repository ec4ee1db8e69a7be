/**
 * The error function in double precision. Exact GELU (BERT, Falcon) needs erf
 * to better than float32 precision so that our GELU matches PyTorch's
 * erf-based one to ~1e-7; JavaScript has no Math.erf.
 *
 * Two regimes, each convergent to full double precision where it is used:
 * - |x| < 2.5: erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (2n+1)!!. Every term has
 *   the same sign, so unlike the Taylor series there is no cancellation.
 * - |x| ≥ 2.5: erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))),
 *   evaluated bottom-up; the continued fraction converges fast for large x.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SERIES_LIMIT = 2.5;
const FRACTION_TERMS = 60;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc for x ≥ SERIES_LIMIT. */
function erfcFraction(x: number): number {
  let f = x;
  for (let n = FRACTION_TERMS; n >= 1; n--) f = x + n / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < SERIES_LIMIT) return erfSeries(x);
  if (ax > 6) return Math.sign(x); // erfc(6) ≈ 2e-17, below double resolution of 1
  const r = 1 - erfcFraction(ax);
  return x < 0 ? -r : r;
}

/** 1 − erf(x), accurate in the tail where 1 − erf(x) would cancel. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return x > 27 ? 0 : erfcFraction(x);
  if (x <= -SERIES_LIMIT) return x < -6 ? 2 : 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}
