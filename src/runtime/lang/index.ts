// The operations of the .arch language as generated code calls them: one function per op,
// the one its definition in src/compiler/ops names as `runtime`, taking the forward context
// first and, for ops that keep state across decoding steps, a site key second.
import * as ops from "../ops/index.js";
import { IntTensor, Tensor } from "../tensor.js";
import { RuntimeArgumentError } from "../errors.js";
import type { ForwardContext } from "../model/context.js";
import type { PrimitiveModule } from "../nn/primitives.js";
import { call as callPrimitive } from "../nn/primitives.js";
import { lstmApply } from "./recurrent.js";
import { keySegments } from "./segments.js";
import { KvCache, keyColumns } from "../model/kv-cache.js";
import { asFloat, keepsIds } from "./ids.js";
import { applyLinear } from "./shared-input.js";

export { segment_ids } from "./segments.js";
export { add_ids, sub_ids, mul_ids } from "./ids.js";
export { causal_conv } from "./causal-conv.js";
export { rope, type RopeArgs } from "./rope.js";

type Scalar = number | boolean | string | null | undefined;

export const silu = (_c: ForwardContext, x: Tensor) => ops.silu(x);
export const gelu = (_c: ForwardContext, x: Tensor) => ops.gelu(x);
export const gelu_tanh = (_c: ForwardContext, x: Tensor) => ops.geluTanh(x);
export const relu = (_c: ForwardContext, x: Tensor) => ops.relu(x);
export const relu2 = (_c: ForwardContext, x: Tensor) => ops.activation("relu2", x);
export const tanh = (_c: ForwardContext, x: Tensor) => ops.tanh(x);
export const sigmoid = (_c: ForwardContext, x: Tensor) => ops.sigmoid(x);
export const exp = (_c: ForwardContext, x: Tensor) => ops.exp(x);
export const sqrt = (_c: ForwardContext, x: Tensor) => ops.sqrt(x);
export const square = (_c: ForwardContext, x: Tensor) => ops.square(x);
export const neg = (_c: ForwardContext, x: Tensor) => ops.neg(x);
export const softplus = (_c: ForwardContext, x: Tensor) => ops.softplus(x);
export const log = (_c: ForwardContext, x: Tensor) => ops.log(x);
export const abs = (_c: ForwardContext, x: Tensor) => ops.abs(x);
export const rsqrt = (_c: ForwardContext, x: Tensor) => ops.rsqrt(x);
export const act = (_c: ForwardContext, x: Tensor, kind: string) => ops.activation(kind, x);
export const softcap = (_c: ForwardContext, x: Tensor, cap: number) => ops.softcap(x, cap);
export const softmax = (_c: ForwardContext, x: Tensor, axis = -1) => ops.softmax(x, axis);
export const log_softmax = (_c: ForwardContext, x: Tensor, axis = -1) => ops.logSoftmax(x, axis);
export const l2_normalize = (_c: ForwardContext, x: Tensor) => ops.l2NormalizeRows(x);
export const layer_norm = (_c: ForwardContext, x: Tensor, eps = 1e-5) => ops.layerNorm(x, undefined, undefined, eps);
export const rms_norm = (_c: ForwardContext, x: Tensor, eps = 1e-6) => ops.rmsNorm(x, undefined, eps);

// The reshape family (reshape, unflatten, flatten, select's squeeze, unsqueeze) shares its
// input's data (ops.view): generated code never writes into a tensor.

// torch.clamp with Python-number bounds: the bounds are rounded to float32 first.
export function clamp(_c: ForwardContext, x: Tensor, lo: number | null, hi: number | null): Tensor {
  const l = lo === null || lo === undefined ? -Infinity : Math.fround(lo);
  const h = hi === null || hi === undefined ? Infinity : Math.fround(hi);
  return ops.map(x, (v) => (v < l ? l : v > h ? h : v));
}
export const split_heads = (_c: ForwardContext, x: Tensor, heads: number) => ops.splitHeads(x, heads);
export const merge_heads = (_c: ForwardContext, x: Tensor) => ops.mergeHeads(x);
export const transpose = keepsIds((_c: ForwardContext, x: Tensor, a: number, b: number) => ops.transpose(x, a, b));
export const reshape = keepsIds((_c: ForwardContext, x: Tensor, shape: number[]) => ops.view(x, shape));
export const split = keepsIds((_c: ForwardContext, x: Tensor, sizes: number[], axis: number = -1) => ops.split(x, axis, sizes));
export const linear = (_c: ForwardContext, x: Tensor, w: Tensor, b?: Tensor) => ops.linear(x, w, b);

export const unflatten = keepsIds(function unflatten(_c: ForwardContext, x: Tensor, axis: number, sizes: number[]): Tensor {
  const ax = axis < 0 ? x.shape.length + axis : axis;
  return ops.view(x, [...x.shape.slice(0, ax), ...sizes, ...x.shape.slice(ax + 1)]);
});

export const flatten = keepsIds(function flatten(_c: ForwardContext, x: Tensor, start: number, end: number = -1): Tensor {
  const r = x.shape.length;
  const s = start < 0 ? r + start : start;
  const e = end < 0 ? r + end : end;
  const merged = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return ops.view(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
});

export const chunk = keepsIds(function chunk(_c: ForwardContext, x: Tensor, n: number, axis: number = -1): Tensor[] {
  const ax = axis < 0 ? x.shape.length + axis : axis;
  const part = x.shape[ax]! / n;
  return ops.split(x, ax, Array.from({ length: n }, () => part));
});

export const concat = keepsIds(function concat(_c: ForwardContext, ...args: (Tensor | { axis?: number })[]): Tensor {
  const last = args[args.length - 1];
  const opts = last && !(last instanceof Tensor) ? (args.pop() as { axis?: number }) : {};
  return ops.concat(args as Tensor[], opts.axis ?? -1);
});

export const select = keepsIds(function select(_c: ForwardContext, x: Tensor, axis: number, index: number): Tensor {
  const ax = axis < 0 ? x.shape.length + axis : axis;
  const s = ops.slice(x, ax, index, index + 1);
  return ops.view(s, x.shape.filter((_, i) => i !== ax));
});

export const flatten_tokens = keepsIds(function flatten_tokens(_c: ForwardContext, x: Tensor): Tensor {
  const d = x.shape[x.shape.length - 1]!;
  return ops.view(x, [x.data.length / d, d]);
});

export function zeros_like<T extends Tensor | IntTensor>(_c: ForwardContext, x: T): T {
  return (x instanceof IntTensor ? IntTensor.zeros(x.shape) : Tensor.zeros(x.shape)) as T;
}

export function position_ids(c: ForwardContext, ids: IntTensor): IntTensor {
  const [b, t] = ids.shape as [number, number];
  const out = new Int32Array(b * t);
  for (let i = 0; i < b; i++) for (let j = 0; j < t; j++) out[i * t + j] = c.offset + j;
  return new IntTensor(out, [b, t]);
}

export interface AttentionArgs {
  causal?: boolean;
  window?: number | null;
  scale?: number | null;
  softcap?: number | null;
  bias?: Tensor | null;
  alibi?: boolean;
  /** "bfloat16": ALiBi slopes and slope·position rounded to bfloat16 (BLOOM/Falcon). */
  alibi_dtype?: string | null;
  /** Bias and ALiBi are added to q·k before the scale: (q·k + bias)·scale. */
  scale_bias?: boolean;
  padding?: boolean;
  cache?: boolean;
  /** Trained length n: queries past it are scaled by log(p)/log(n) (ops/logn-scaling.ts); null = off. */
  logn?: number | null;
  /** [B, T] segment of each query (segment_ids): attention stays within a segment. */
  segments?: IntTensor | null;
}

/** Attention over the cached keys/values of this site followed by the new ones. */
export function attention(c: ForwardContext, site: string, q: Tensor, k: Tensor, v: Tensor, a: AttentionArgs = {}): Tensor {
  let keys = k;
  let values = v;
  let segments = a.segments ? { query: a.segments, key: keySegments(c, site, a.segments, c.useCache && a.cache !== false) } : undefined;
  // Cached keys live in preallocated buffers: s of their positions are valid, the first
  // of them at absolute position `start` (> 0 once a sliding window dropped old ones).
  let s = k.shape[2]!;
  let start = 0;
  const useCache = c.useCache && a.cache !== false;
  if (useCache) {
    // Dropping keys shifts key indices: fine for masks (sliced below), not for a bias
    // built over absolute key positions, so such sites keep every position.
    const rolling = a.bias || a.alibi ? undefined : (a.window ?? undefined);
    let cache = c.kv.get(site);
    // A cache emptied by reset keeps its buffers for the next sequence when they fit.
    if (!cache || (cache.length === 0 && !cache.fits(k, v))) c.kv.set(site, (cache = KvCache.for(k, v, rolling, c.expectedPositions)));
    cache.append(k, v, rolling);
    keys = cache.k;
    values = cache.v;
    s = cache.length;
    start = cache.start;
    if (segments && start > 0) segments = { query: segments.query, key: keyColumns(segments.key, start, start + s) };
  }
  const heads = q.shape[1]!;
  let bias = a.bias ?? undefined;
  if (a.alibi) {
    const dtype = a.alibi_dtype ?? "float32";
    if (dtype !== "float32" && dtype !== "bfloat16") throw new RuntimeArgumentError("attention", `unknown alibi_dtype ${JSON.stringify(dtype)}`);
    const al = ops.alibiBias(heads, s, dtype);
    bias = bias ? ops.add(bias, al) : al;
  }
  let mask = a.padding === false ? undefined : c.attentionMask;
  if (mask && start > 0) mask = keyColumns(mask, start, start + s);
  if (a.logn !== undefined && a.logn !== null) q = ops.lognScaleQueries(q, start + s - q.shape[2]!, a.logn);
  // Set field by field (no spreads): this runs per layer per decoding step.
  const o: ops.AttentionOptions = { causal: a.causal ?? false, queryOffset: s - q.shape[2]! };
  if (a.scale !== undefined && a.scale !== null) o.scale = a.scale;
  if (a.window !== undefined && a.window !== null) o.window = a.window;
  if (mask) o.keyPadding = mask;
  if (bias) o.bias = bias;
  if (a.scale_bias) o.biasBeforeScale = true;
  if (a.softcap !== undefined && a.softcap !== null) o.softcap = a.softcap;
  if (segments) o.segments = segments;
  if (useCache) o.keyLength = s;
  return ops.attention(q, keys, values, o);
}

export interface MoeArgs {
  top_k: number;
  order?: string;
  normalize?: boolean | number | null;
}

function moeOptions(a: MoeArgs): ops.MoeOptions {
  const order = a.order ?? "softmax_topk";
  if (order !== "softmax_topk" && order !== "topk_softmax") throw new RuntimeArgumentError("moe", `unknown order ${JSON.stringify(order)}; expected "softmax_topk" or "topk_softmax"`);
  return { order, normalize: a.normalize === undefined ? true : a.normalize };
}

/** Router gates [.., E], zero outside each row's top-k experts. */
export function topk_gates(_c: ForwardContext, logits: Tensor, a: MoeArgs): Tensor {
  const e = logits.shape[logits.shape.length - 1]!;
  const g = ops.topkGates(ops.view(logits, [logits.size / e, e]), a.top_k, moeOptions(a));
  return ops.view(g, logits.shape);
}

export function sum(_c: ForwardContext, x: Tensor, axis: number): Tensor {
  const ax = axis < 0 ? x.shape.length + axis : axis;
  const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const n = x.shape[ax]!;
  const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += x.data[(o * n + j) * inner + i]!;
      out[o * inner + i] = s;
    }
  }
  return new Tensor(out, x.shape.filter((_, i) => i !== ax));
}

export function unsqueeze<T extends Tensor | IntTensor>(_c: ForwardContext, x: T, axis: number): T {
  const ax = axis < 0 ? x.shape.length + 1 + axis : axis;
  const shape = [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)];
  return (x instanceof IntTensor ? new IntTensor(x.data, shape) : ops.view(x as Tensor, shape)) as T;
}

/** Sparse mixture of experts; `expert(e, rows)` runs expert e on the rows routed to it. */
export function moe(_c: ForwardContext, x: Tensor, logits: Tensor, expert: (e: number, rows: Tensor) => Tensor, a: MoeArgs): Tensor {
  const d = x.shape[x.shape.length - 1]!;
  const e = logits.shape[logits.shape.length - 1]!;
  const rows = x.data.length / d;
  const flatX = ops.view(x, [rows, d]);
  const flatL = ops.view(logits, [rows, e]);
  const y = ops.moe(flatX, flatL, a.top_k, moeOptions(a), expert);
  return ops.view(y, [...x.shape.slice(0, -1), y.shape[1]!]);
}

/** Applies a primitive module (Linear, norms, activations…) to a tensor. */
export function apply(m: PrimitiveModule, x: Tensor | IntTensor, c?: ForwardContext): Tensor {
  // A recurrent primitive resumes the state its previous call left in the context.
  if (m.kind === "LSTM" && c && x instanceof Tensor) return lstmApply(c, m, x);
  if (c?.lastPositionHeads?.has(m) && x instanceof Tensor && x.shape.length === 3 && x.shape[1]! > 1) {
    x = ops.slice(x, 1, x.shape[1]! - 1, x.shape[1]!);
  }
  if (m.kind === "Linear" && x instanceof Tensor) return applyLinear(m, x);
  return callPrimitive(m, x);
}

/**
 * Exports `t` as `name.index`. Without an index, an emit made inside an element of a module
 * list (`model.layers.2.mlp`) takes that element's position in the outermost list: a tensor
 * emitted per layer is named by its layer, also when some layers do not emit it (dense
 * layers between sparse ones). Elsewhere each emit of a name takes the next number.
 */
/** An optional submodule (declared `name: X if cond`) where it must exist. */
export function present<T>(m: T | undefined, name: string, cond: string): T {
  if (m === undefined) throw new RuntimeArgumentError(name, `the submodule is used, but this configuration does not build it (it is declared \`if ${cond}\`)`);
  return m;
}

const located_ = new WeakSet<Error>();

/**
 * An error raised inside a statement of a generated forward pass, prefixed with that
 * statement's place in the .arch file (`model.arch:12:7: …`); the innermost statement wins.
 */
export function located(e: unknown, where: string | undefined): unknown {
  if (!(e instanceof Error) || where === undefined || located_.has(e)) return e;
  e.message = `${where}: ${e.message}`;
  located_.add(e);
  return e;
}

export function emit(c: ForwardContext, name: string, index: number | undefined, t: Tensor, modulePath = ""): void {
  c.emit(name, index ?? listPosition(modulePath), t);
}

/** listPosition by path: module paths are few and every decoding step asks again. */
const listPositions = new Map<string, number | undefined>();

/** The first numeric segment of a module path (`model.layers.2.mlp` → 2), if any. */
function listPosition(path: string): number | undefined {
  if (listPositions.has(path)) return listPositions.get(path);
  let found: number | undefined;
  for (const segment of path.split(".")) {
    if (/^\d+$/.test(segment)) {
      found = Number(segment);
      break;
    }
  }
  listPositions.set(path, found);
  return found;
}

// Ids in float arithmetic (`ids * 0.5`) are their values as floats.
const floats = (a: Tensor | IntTensor | number, b: Tensor | IntTensor | number): [Tensor | number, Tensor | number] => [
  typeof a === "number" ? a : asFloat(a),
  typeof b === "number" ? b : asFloat(b),
];

// Elementwise arithmetic with numpy broadcasting. A number operand is a PyTorch "wrapped
// scalar": it is rounded to float32 before the float32 operation, so fround it here.
const f32 = Math.fround;

export function add(a: Tensor | IntTensor | number, b: Tensor | IntTensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return ops.add(a, b);
  [a, b] = floats(a, b);
  if (typeof a === "number") return ops.addScalar(b as Tensor, f32(a));
  if (typeof b === "number") return ops.addScalar(a, f32(b));
  return ops.add(a, b);
}

export function sub(a: Tensor | IntTensor | number, b: Tensor | IntTensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return ops.sub(a, b);
  [a, b] = floats(a, b);
  if (typeof a === "number") return ops.map(b as Tensor, (v) => f32(a) - v);
  if (typeof b === "number") return ops.map(a, (v) => v - f32(b));
  return ops.sub(a, b);
}

export function mul(a: Tensor | IntTensor | number, b: Tensor | IntTensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return ops.mul(a, b);
  [a, b] = floats(a, b);
  if (typeof a === "number") return ops.scale(b as Tensor, f32(a));
  if (typeof b === "number") return ops.scale(a, f32(b));
  return ops.mul(a, b);
}

export function div(a: Tensor | IntTensor | number, b: Tensor | IntTensor | number): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return ops.div(a, b);
  [a, b] = floats(a, b);
  if (typeof b === "number") return ops.map(a as Tensor, (v) => v / f32(b));
  if (typeof a === "number") return ops.map(b, (v) => f32(a) / v);
  return ops.div(a, b);
}

export const matmul = (a: Tensor, b: Tensor) => ops.matmul(a, b);
export const negate = (a: Tensor) => ops.neg(a);

export * from "./recurrent.js";
export * from "./relative-position.js";
export * from "./once.js";
export * from "./adaptive-softmax.js";

export type { Scalar };
