/**
 * Rounding to bfloat16 (the top 16 bits of a float32), round-to-nearest-even as
 * PyTorch's float→bfloat16 cast does. Some references build constants in bfloat16
 * even when the model runs in float32 (BLOOM/Falcon ALiBi), so reproducing them
 * needs the same rounding.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function roundToBfloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000) {
    // Inf stays; NaN stays NaN (quiet bit kept in the upper half).
    u32[0] = (bits & 0xffff0000) | ((bits & 0xffff) !== 0 ? 0x00400000 : 0);
    return f32[0]!;
  }
  const lsb = (bits >>> 16) & 1;
  u32[0] = ((bits + 0x7fff + lsb) & 0xffff0000) >>> 0;
  return f32[0]!;
}
