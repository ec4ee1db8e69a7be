/**
 * RoPE's inverse frequencies, on their own: the ONNX export computes the same table as the
 * runtime, and importing it must not pull the WebAssembly kernels (and Node's modules) into
 * the compiler's browser bundle.
 */
const f = Math.fround;

/**
 * HF: `1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))`,
 * all in float32. `base` is rounded to float32 as torch does for a scalar base.
 */
export function ropeInvFreq(base: number, dim: number): Float32Array {
  const half = dim / 2;
  const b = f(base);
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = f((2 * i) / dim);
    inv[i] = f(1 / f(Math.pow(b, exponent)));
  }
  return inv;
}
