/**
 * Normalisations over the last dim. Statistics accumulate in doubles (PyTorch
 * uses float32 with pairwise/Welford sums; doubles are at least as accurate).
 */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";
import { activationArray } from "../kernels/activation-scope.js";
import { rmsNormKernel } from "../kernels/norm.js";

/** The normalised (last) dim; must be non-empty, since every row loop steps by it. */
function lastDimOf(op: string, x: Tensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c === undefined || c === 0) throw new RuntimeShapeError(op, "a tensor of rank >= 1 with a non-empty last dim", shapeToString(x.shape));
  return c;
}

function checkParam(op: string, what: string, p: Tensor | undefined, c: number): Float32Array | undefined {
  if (!p) return undefined;
  if (p.shape.length !== 1 || p.shape[0] !== c) {
    throw new RuntimeShapeError(op, `${what} of shape [${c}] (the last dim of the input)`, shapeToString(p.shape));
  }
  return p.data;
}

/**
 * out[o, o+n) = (xd[o, o+n) − mean) / sqrt(biased variance + eps), then times w and plus b
 * read from channel `ch0` on: the step LayerNorm takes per row and GroupNorm per group.
 */
function standardize(xd: Float32Array, out: Float32Array, o: number, n: number, eps: number, w: Float32Array | undefined, b: Float32Array | undefined, ch0: number): void {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xd[o + i]!;
  const mean = sum / n;
  // Two-pass variance: no cancellation when |mean| is large relative to the spread.
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const dev = xd[o + i]! - mean;
    sq += dev * dev;
  }
  const rstd = 1 / Math.sqrt(sq / n + eps);
  for (let i = 0; i < n; i++) {
    let y = (xd[o + i]! - mean) * rstd;
    if (w) y *= w[ch0 + i]!;
    if (b) y += b[ch0 + i]!;
    out[o + i] = y;
  }
}

/** PyTorch LayerNorm over the last dim: biased variance, optional affine. */
export function layerNorm(x: Tensor, weight: Tensor | undefined, bias: Tensor | undefined, eps: number): Tensor {
  const c = lastDimOf("layerNorm", x);
  const w = checkParam("layerNorm", "weight", weight, c);
  const b = checkParam("layerNorm", "bias", bias, c);
  const out = activationArray(x.data.length);
  for (let o = 0; o < out.length; o += c) standardize(x.data, out, o, c, eps, w, b, 0);
  return new Tensor(out, [...x.shape]);
}

/**
 * RMSNorm: x / sqrt(mean(x²) + eps) · (offset + weight). offset = 1 gives
 * Gemma's `1 + w` parametrisation; without a weight the scale is 1. On the WebAssembly
 * kernel when there is one (the same float64 arithmetic), else rmsNormPlain.
 */
export function rmsNorm(x: Tensor, weight: Tensor | undefined, eps: number, offset = 0): Tensor {
  const c = lastDimOf("rmsNorm", x);
  const w = checkParam("rmsNorm", "weight", weight, c);
  return rmsNormKernel(x, c, w, eps, offset) ?? rmsNormRows(x, c, w, eps, offset);
}

/** rmsNorm in TypeScript (fallback and test reference). */
export function rmsNormPlain(x: Tensor, weight: Tensor | undefined, eps: number, offset = 0): Tensor {
  const c = lastDimOf("rmsNorm", x);
  return rmsNormRows(x, c, checkParam("rmsNorm", "weight", weight, c), eps, offset);
}

function rmsNormRows(x: Tensor, c: number, w: Float32Array | undefined, eps: number, offset: number): Tensor {
  const xd = x.data;
  const out = activationArray(xd.length);
  for (let o = 0; o < xd.length; o += c) {
    let sq = 0;
    for (let i = 0; i < c; i++) sq += xd[o + i]! * xd[o + i]!;
    const inv = 1 / Math.sqrt(sq / c + eps);
    if (w) for (let i = 0; i < c; i++) out[o + i] = xd[o + i]! * inv * (offset + w[i]!);
    else for (let i = 0; i < c; i++) out[o + i] = xd[o + i]! * inv;
  }
  return new Tensor(out, [...x.shape]);
}

/** GroupNorm over `groups` equal channel groups of the last dim, independently per row. */
export function groupNorm(x: Tensor, groups: number, weight: Tensor | undefined, bias: Tensor | undefined, eps: number): Tensor {
  const c = lastDimOf("groupNorm", x);
  if (!Number.isInteger(groups) || groups <= 0 || c % groups !== 0) {
    throw new RuntimeArgumentError("groupNorm", `${groups} groups do not divide ${c} channels of input ${shapeToString(x.shape)}`);
  }
  const w = checkParam("groupNorm", "weight", weight, c);
  const b = checkParam("groupNorm", "bias", bias, c);
  const cg = c / groups;
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < out.length; o += cg) standardize(x.data, out, o, cg, eps, w, b, o % c);
  return new Tensor(out, [...x.shape]);
}

/** Each row (last dim) divided by max(‖row‖₂, eps), like F.normalize(w, dim=-1). Baichuan's NormHead. */
export function l2NormalizeRows(w: Tensor, eps = 1e-12): Tensor {
  const c = lastDimOf("l2NormalizeRows", w);
  const wd = w.data;
  const out = new Float32Array(wd.length);
  for (let o = 0; o < wd.length; o += c) {
    let sq = 0;
    for (let i = 0; i < c; i++) sq += wd[o + i]! * wd[o + i]!;
    const denom = Math.max(Math.sqrt(sq), eps);
    for (let i = 0; i < c; i++) out[o + i] = wd[o + i]! / denom;
  }
  return new Tensor(out, [...w.shape]);
}
