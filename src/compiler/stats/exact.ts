// Exact counts for `archc stats`. Sizes are safe integers, but their products are not (a
// 2^40-wide Linear costs 2^81 FLOPs a token), and a token runs only top_k of E experts, so
// an expert's FLOPs count k/E times: sums of such shares are exact only as fractions.

/** A non-negative fraction `num / den` in lowest terms (den > 0). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
};

export function ratio(num: bigint, den = 1n): Ratio {
  if (den <= 0n) throw new RangeError(`a share needs a positive denominator, found ${den}`);
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export const ONE: Ratio = { num: 1n, den: 1n };
export const ZERO: Ratio = { num: 0n, den: 1n };

export const times = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.num, a.den * b.den);
export const plus = (a: Ratio, b: Ratio): Ratio => ratio(a.num * b.den + b.num * a.den, a.den * b.den);

/** The nearest integer, halves rounded up: the count itself when the fraction is whole. */
export const nearestInteger = (r: Ratio): bigint => (2n * r.num + r.den) / (2n * r.den);

/** A size as an exact integer: undefined unless it is a whole number a float holds exactly. */
export const exactInt = (n: number | undefined): bigint | undefined => (n !== undefined && Number.isSafeInteger(n) ? BigInt(n) : undefined);

/** The elements of a tensor of this shape, exactly (the elaborator keeps each size a safe integer). */
export const elementCount = (shape: readonly number[]): bigint => shape.reduce((a, b) => a * BigInt(b), 1n);
