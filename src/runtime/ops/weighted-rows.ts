/**
 * acc[0..width) += Σ_{r in [from, to)} weights[wOff + r] · rows[rowBase + r·width …]: a vector
 * times a row-major matrix, accumulated in float64. Shared by the TypeScript matrix product
 * (a row of a times b) and attention (probabilities times value rows); four rows per pass
 * cut the accumulator's loads and stores by four.
 */
export function addWeightedRows(
  acc: Float64Array, weights: Float32Array | Float64Array, wOff: number,
  rows: Float32Array, rowBase: number, from: number, to: number, width: number,
): void {
  let r = from;
  for (; r + 4 <= to; r += 4) {
    const w0 = weights[wOff + r]!, w1 = weights[wOff + r + 1]!, w2 = weights[wOff + r + 2]!, w3 = weights[wOff + r + 3]!;
    const r0 = rowBase + r * width;
    const r1 = r0 + width;
    const r2 = r1 + width;
    const r3 = r2 + width;
    for (let c = 0; c < width; c++) acc[c] = acc[c]! + (w0 * rows[r0 + c]! + w1 * rows[r1 + c]! + w2 * rows[r2 + c]! + w3 * rows[r3 + c]!);
  }
  for (; r < to; r++) {
    const w0 = weights[wOff + r]!;
    const r0 = rowBase + r * width;
    for (let c = 0; c < width; c++) acc[c] = acc[c]! + (w0 * rows[r0 + c]!);
  }
}
