/** Elementwise closeness assertions for float32 results. */
import { expect } from "vitest";

/** |a − e| <= atol + rtol·|e| for every element, reporting the first offender. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-6, rtol = 0): void {
  expect(actual.length, "length").toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

export function flat(nested: unknown): number[] {
  return (Array.isArray(nested) ? nested.flat(Infinity) : [nested]) as number[];
}
