/**
 * ALiBi head slopes (Press et al.; HF BLOOM `build_alibi_tensor`, Baichuan
 * `_get_interleave`). For n = 2^m heads the slopes are the geometric sequence
 * 2^(−8/n), 2^(−16/n), …; otherwise the closest lower power of two p gets that
 * sequence and the remaining n − p heads take the odd-indexed slopes of the
 * 2p sequence, 2^(−4/p), 2^(−12/p), …, which fall between the first ones.
 */
import { RuntimeArgumentError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { roundToBfloat16 } from "./bfloat16.js";

export function alibiSlopes(heads: number): Float32Array {
  if (!Number.isInteger(heads) || heads < 1) {
    throw new RuntimeArgumentError("alibiSlopes", `heads must be a positive integer, got ${heads}`);
  }
  let p = 1;
  while (p * 2 <= heads) p *= 2;
  const slopes = new Float32Array(heads);
  // Exponents are exact in doubles, so 2 ** e is the correctly rounded slope.
  for (let i = 0; i < p; i++) slopes[i] = 2 ** ((-8 * (i + 1)) / p);
  for (let i = 0; i < heads - p; i++) slopes[p + i] = 2 ** ((-8 * (2 * i + 1)) / (2 * p));
  return slopes;
}

/**
 * Bias [1, H, 1, S] with bias[h, j] = slope_h · j (key index), the
 * BLOOM/Baichuan form; per query row it differs from −slope·(i − j) by a
 * constant, which softmax ignores.
 *
 * dtype "bfloat16" builds it as BLOOM/Falcon do (`slopes.bfloat16() * positions`): the
 * slope, the position and their product are each rounded to bfloat16.
 */
export function alibiBias(heads: number, keyLength: number, dtype: "float32" | "bfloat16" = "float32"): Tensor {
  const slopes = alibiSlopes(heads);
  const out = new Float32Array(heads * keyLength);
  const bf16 = dtype === "bfloat16";
  for (let h = 0; h < heads; h++) {
    const slope = bf16 ? roundToBfloat16(slopes[h]!) : slopes[h]!;
    // The product of two bfloat16 values is exact in float32, so one rounding follows.
    for (let j = 0; j < keyLength; j++) out[h * keyLength + j] = bf16 ? roundToBfloat16(slope * roundToBfloat16(j)) : slope * j;
  }
  return new Tensor(out, [1, heads, 1, keyLength]);
}
