/**
 * Elementwise arithmetic with NumPy broadcasting, and the activation functions.
 * Arithmetic runs in doubles and rounds once on store, which is within half an
 * ulp of PyTorch's float32 result for a single operation.
 */
import { broadcastShapes, broadcastStrides } from "../broadcast.js";
import { RuntimeArgumentError } from "../errors.js";
import { sameShape, shapeSize } from "../layout.js";
import { Tensor } from "../tensor.js";
import { activationArray } from "../kernels/activation-scope.js";
import { arithKernel, siluKernel } from "../kernels/activation.js";
import { erf } from "./erf.js";

type Binary = (a: number, b: number) => number;
type ArithOp = "add" | "sub" | "mul" | "div";

/**
 * out[i] = a[i] op b[i % b.length] (b.length divides out.length): equal shapes and "x + bias".
 * One loop per operator, because a loop that calls an operator callback becomes a
 * megamorphic call per element once it has seen four of them (5–10× slower in prefill).
 */
function arithRepeating(op: ArithOp, ad: Float32Array, bd: Float32Array, out: Float32Array): void {
  const n = bd.length;
  for (let i = 0; i < out.length; i += n) {
    switch (op) {
      case "add":
        for (let j = 0; j < n; j++) out[i + j] = ad[i + j]! + bd[j]!;
        break;
      case "sub":
        for (let j = 0; j < n; j++) out[i + j] = ad[i + j]! - bd[j]!;
        break;
      case "mul":
        for (let j = 0; j < n; j++) out[i + j] = ad[i + j]! * bd[j]!;
        break;
      case "div":
        for (let j = 0; j < n; j++) out[i + j] = ad[i + j]! / bd[j]!;
        break;
    }
  }
}

function binary(op: ArithOp, a: Tensor, b: Tensor, f: Binary): Tensor {
  const ad = a.data;
  const bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    // A prefill's residual adds and gate·up products: on the WebAssembly kernel (the same bits).
    const fast = arithKernel(op, ad, bd);
    if (fast) return new Tensor(fast, [...a.shape]);
    const out = activationArray(ad.length);
    if (out.length) arithRepeating(op, ad, bd, out);
    return new Tensor(out, [...a.shape]);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = activationArray(shapeSize(shape));
  if (out.length === 0) return new Tensor(out, shape);
  // The common "x + bias" case: b repeats along the trailing dims of a.
  if (sameShape(shape, a.shape) && bd.length > 0 && isTrailingOf(b.shape, a.shape)) {
    arithRepeating(op, ad, bd, out);
    return new Tensor(out, shape);
  }
  const rank = shape.length;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const inner = shape[rank - 1]!;
  const ia = sa[rank - 1]!;
  const ib = sb[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) {
      out[o + j] = f(ad[pa]!, bd[pb]!);
    }
    // Odometer over the outer dims: advance the last outer dim, carrying left.
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      offA += sa[d]!;
      offB += sb[d]!;
      if (counter[d]! < shape[d]!) break;
      offA -= sa[d]! * shape[d]!;
      offB -= sb[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** True when `inner` equals the last dims of `outer` after dropping leading 1s. */
function isTrailingOf(inner: readonly number[], outer: readonly number[]): boolean {
  let start = 0;
  while (start < inner.length && inner[start] === 1) start++;
  const rest = inner.length - start;
  if (rest > outer.length) return false;
  for (let i = 0; i < rest; i++) {
    if (inner[start + i] !== outer[outer.length - rest + i]) return false;
  }
  return true;
}

export function map(x: Tensor, f: (v: number) => number): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return new Tensor(out, [...x.shape]);
}

export const add = (a: Tensor, b: Tensor): Tensor => binary("add", a, b, (p, q) => p + q);
export const sub = (a: Tensor, b: Tensor): Tensor => binary("sub", a, b, (p, q) => p - q);
export const mul = (a: Tensor, b: Tensor): Tensor => binary("mul", a, b, (p, q) => p * q);
export const div = (a: Tensor, b: Tensor): Tensor => binary("div", a, b, (p, q) => p / q);

export const scale = (x: Tensor, s: number): Tensor => map(x, (v) => v * s);
export const addScalar = (x: Tensor, s: number): Tensor => map(x, (v) => v + s);
export const neg = (x: Tensor): Tensor => map(x, (v) => -v);
export const exp = (x: Tensor): Tensor => map(x, Math.exp);
export const sqrt = (x: Tensor): Tensor => map(x, Math.sqrt);
export const square = (x: Tensor): Tensor => map(x, (v) => v * v);
export const tanh = (x: Tensor): Tensor => map(x, Math.tanh);
export const log = (x: Tensor): Tensor => map(x, Math.log);
export const abs = (x: Tensor): Tensor => map(x, Math.abs);
export const rsqrt = (x: Tensor): Tensor => map(x, (v) => 1 / Math.sqrt(v));

// torch.nn.functional.softplus (beta 1, threshold 20): above the threshold log(1 + e^x) is x
// to float32 precision, and PyTorch returns x itself there.
const softplusScalar = (v: number): number => (v > 20 ? v : Math.log1p(Math.exp(v)));
/** log(1 + e^x) (Mamba's time step). */
export const softplus = (x: Tensor): Tensor => map(x, softplusScalar);

const sigmoidScalar = (v: number): number => 1 / (1 + Math.exp(-v));
const SQRT1_2 = Math.SQRT1_2;
const geluScalar = (v: number): number => 0.5 * v * (1 + erf(v * SQRT1_2));
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const geluTanhScalar = (v: number): number =>
  0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));

// The activations of every model's MLP get loops of their own (see arithRepeating).
export function sigmoid(x: Tensor): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = sigmoidScalar(src[i]!);
  return new Tensor(out, [...x.shape]);
}

export function relu(x: Tensor): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! > 0 ? src[i]! : 0;
  return new Tensor(out, [...x.shape]);
}

/** x·σ(x): on the WebAssembly kernel when there is one (within a few float32 ulps of siluPlain). */
export function silu(x: Tensor): Tensor {
  return siluKernel(x) ?? siluPlain(x);
}

/** silu in TypeScript (fallback and test reference): x/(1 + e^−x), as PyTorch computes it. */
export function siluPlain(x: Tensor): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[i] = v / (1 + Math.exp(-v));
  }
  return new Tensor(out, [...x.shape]);
}

/** Exact GELU, x·Φ(x) via erf (PyTorch `gelu`, approximate="none"). */
export function gelu(x: Tensor): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = geluScalar(src[i]!);
  return new Tensor(out, [...x.shape]);
}

/** Tanh-approximate GELU (HF `gelu_new`, `gelu_pytorch_tanh`). */
export function geluTanh(x: Tensor): Tensor {
  const src = x.data;
  const out = activationArray(src.length);
  for (let i = 0; i < src.length; i++) out[i] = geluTanhScalar(src[i]!);
  return new Tensor(out, [...x.shape]);
}
/** cap·tanh(x/cap): Gemma-2 / Grok logit soft-capping. */
export const softcap = (x: Tensor, cap: number): Tensor => map(x, (v) => cap * Math.tanh(v / cap));

const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  silu,
  swish: silu,
  gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_tanh: geluTanh,
  relu,
  relu2: (x) => map(x, (v) => (v > 0 ? v * v : 0)),
  tanh,
  sigmoid,
  softplus,
  identity: (x) => map(x, (v) => v),
  linear: (x) => map(x, (v) => v),
  // transformers' QuickGELUActivation, FastGELUActivation, ReLU6, MishActivation, LeakyReLU(0.01).
  quick_gelu: (x) => map(x, (v) => v * sigmoidScalar(1.702 * v)),
  gelu_fast: (x) => map(x, (v) => 0.5 * v * (1 + Math.tanh(v * 0.7978845608 * (1 + 0.044715 * v * v)))),
  relu6: (x) => map(x, (v) => Math.min(Math.max(v, 0), 6)),
  mish: (x) => map(x, (v) => v * Math.tanh(softplusScalar(v))),
  leaky_relu: (x) => map(x, (v) => (v >= 0 ? v : 0.01 * v)),
};

/** Applies an activation by its Hugging Face `hidden_act` name. */
export function activation(name: string, x: Tensor): Tensor {
  const f = Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!f) {
    throw new RuntimeArgumentError("activation", `unknown activation ${JSON.stringify(name)}; expected one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  return f(x);
}

export const activationNames: readonly string[] = Object.keys(ACTIVATIONS);
