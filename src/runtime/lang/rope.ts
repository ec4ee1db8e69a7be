// RoPE as generated code calls it: `rope(ctx, x, args)` for q and for k of every layer at
// every step. The plain, linear, dynamic-NTK and static-NTK rotations keep their cos/sin
// table per forward context (in the kernels' heap when there are kernels, where rope.wat
// reads it in place): computed once per forward call and set of arguments, then each call
// is a few comparisons and one kernel call. LongRoPE and the dynamic-alpha NTK compute theirs
// through ops.rope.
import * as ops from "../ops/index.js";
import { Tensor } from "../tensor.js";
import { RuntimeArgumentError } from "../errors.js";
import type { ForwardContext } from "../model/context.js";
import { sharedArray } from "../kernels/index.js";

export interface RopeArgs {
  theta: number;
  style?: string;
  dim?: number | null;
  scaling?: string | null;
  factor?: number;
  original?: number;
  short_factor?: number[] | null;
  long_factor?: number[] | null;
  attention_factor?: number | null;
}

export function rope(c: ForwardContext, x: Tensor, a: RopeArgs): Tensor {
  const style = a.style ?? "rotate_half";
  if (style !== "rotate_half" && style !== "interleaved") throw new RuntimeArgumentError("rope", `unknown style ${JSON.stringify(style)}`);
  const requested = a.scaling && a.scaling !== "none" && a.scaling !== "default" ? a.scaling : undefined;
  if (requested === "longrope" || requested === "su") return ropeLong(c, x, a, style);
  if (requested === "dynamic_alpha") return ropeDynamicAlpha(c, x, a, style);
  if (requested && requested !== "linear" && requested !== "dynamic" && requested !== "ntk") {
    throw new RuntimeArgumentError("rope", `unsupported rope scaling ${JSON.stringify(requested)}`);
  }
  const scaling = requested as "linear" | "dynamic" | "ntk" | undefined;
  const rd = a.dim ? a.dim : x.shape[3]!;
  // Not [B, H, T, D] with T this call's length, or no valid rotary dim: ops.rope says what is wrong.
  if (x.shape.length !== 4 || x.shape[2] !== c.length || !(Number.isInteger(rd) && rd > 0 && rd % 2 === 0 && rd <= x.shape[3]!)) {
    return ops.rope(x, c.positions(), ropeOptions(c, a, style, scaling));
  }
  const table = cachedTable(c, a, style, scaling, rd);
  return ops.rotate(x, table.cos, table.sin, 1, style, rd);
}

/** ops.rope's options for the arguments of a call at c's positions (set field by field: no spreads). */
function ropeOptions(c: ForwardContext, a: RopeArgs, style: "rotate_half" | "interleaved", scaling: "linear" | "dynamic" | "ntk" | undefined): ops.RopeOptions {
  const o: ops.RopeOptions = { theta: a.theta, style, seqLen: c.offset + c.length };
  if (a.dim) o.rotaryDim = a.dim;
  if (scaling) {
    o.scaling = { type: scaling, factor: a.factor ?? 1 };
    if (a.original) o.scaling.originalMaxPositions = a.original;
  }
  return o;
}

/** A rotation table of one set of rope arguments at the positions of one forward call. */
interface RopeTable {
  theta: number;
  style: string;
  rd: number;
  scaling: string | undefined;
  factor: number | undefined;
  original: number | undefined;
  /** The call it was computed for: positions offset … offset + length − 1 (which also fix dynamic scaling's length). */
  offset: number;
  length: number;
  /** Where small tables (a decoding step's) live, cos then sin [length, rd/2] each at its front: in the heap, kept. */
  storage: Float32Array;
  cos: Float32Array;
  sin: Float32Array;
}

/** Each context's tables, one per set of arguments its model's rope calls use (usually one). */
const tables = new WeakMap<ForwardContext, RopeTable[]>();
/** More distinct argument sets than this in one model: the oldest table is recomputed. */
const MAX_TABLES = 8;
/**
 * Tables up to this many floats (cos and sin) are kept in the heap between calls; a longer
 * prefill's is an ordinary array that goes with its call (the kernel stages it), so that a
 * context does not keep a long prompt's table resident.
 */
const KEPT_TABLE_FLOATS = 1 << 16;

function cachedTable(c: ForwardContext, a: RopeArgs, style: "rotate_half" | "interleaved", scaling: "linear" | "dynamic" | "ntk" | undefined, rd: number): RopeTable {
  let list = tables.get(c);
  if (!list) tables.set(c, (list = []));
  let entry: RopeTable | undefined;
  for (const e of list) {
    if (e.theta === a.theta && e.rd === rd && e.scaling === scaling && e.factor === a.factor && e.original === a.original && e.style === style) {
      entry = e;
      break;
    }
  }
  if (entry && entry.offset === c.offset && entry.length === c.length) return entry;
  const n = c.length * (rd / 2);
  if (!entry) {
    if (list.length >= MAX_TABLES) list.shift();
    entry = { theta: a.theta, style, rd, scaling, factor: a.factor, original: a.original, offset: -1, length: 0, storage: new Float32Array(0), cos: new Float32Array(0), sin: new Float32Array(0) };
    list.push(entry);
  }
  let storage = entry.storage;
  if (2 * n > KEPT_TABLE_FLOATS) storage = new Float32Array(2 * n);
  else if (storage.length < 2 * n) storage = entry.storage = sharedArray(Math.max(2 * n, 64)) ?? new Float32Array(2 * n);
  entry.cos = storage.subarray(0, n);
  entry.sin = storage.subarray(n, 2 * n);
  entry.offset = -1;
  ops.fillRopeTable(c.positions(), ropeOptions(c, a, style, scaling), rd, entry.cos, entry.sin);
  // Only a table filled without an error is one to reuse.
  entry.offset = c.offset;
  entry.length = c.length;
  return entry;
}

// LongRoPE (Phi-3 "longrope", formerly "su"): frequency i is divided by short_factor[i], or by
// long_factor[i] once the sequence (max position + 1) outgrows `original`; cos and sin are
// multiplied by attention_factor. Float32 steps as HF: 1 / (factor · θ^(2i/d)).
function ropeLong(c: ForwardContext, x: Tensor, a: RopeArgs, style: "rotate_half" | "interleaved"): Tensor {
  const original = a.original;
  if (!original) throw new RuntimeArgumentError("rope", "longrope scaling needs `original` (the trained length)");
  const seqLen = c.offset + c.length;
  const factors = seqLen > original ? a.long_factor : a.short_factor;
  const rd = a.dim ?? x.shape[3]!;
  if (!factors || factors.length !== rd / 2) {
    throw new RuntimeArgumentError("rope", `longrope needs ${rd / 2} ${seqLen > original ? "long" : "short"} factors, got ${factors?.length ?? 0}`);
  }
  const f = Math.fround;
  const base = f(a.theta);
  const invFreq = new Float32Array(rd / 2);
  for (let i = 0; i < rd / 2; i++) invFreq[i] = f(1 / f(f(factors[i]!) * f(Math.pow(base, f((2 * i) / rd)))));
  return ops.rope(x, c.positions(), {
    theta: a.theta,
    style,
    ...(a.dim ? { rotaryDim: a.dim } : {}),
    invFreq,
    ...(a.attention_factor !== undefined && a.attention_factor !== null ? { attentionScaling: a.attention_factor } : {}),
  });
}

// Power-of-two dynamic NTK (ops/ntk-alpha.ts): alpha comes from the length of the uncached
// forward — per sequence from its real tokens when padded and longer than `original` — and is
// kept in the context while decoding, so the rotation does not change as the cache grows.
function ropeDynamicAlpha(c: ForwardContext, x: Tensor, a: RopeArgs, style: "rotate_half" | "interleaved"): Tensor {
  const original = a.original;
  if (!original) throw new RuntimeArgumentError("rope", "dynamic_alpha scaling needs `original` (the trained length)");
  const key = "rope.dynamic_alpha";
  let alphas = c.state.get(key) as number[] | undefined;
  if (c.offset === 0 || !alphas) {
    const total = c.offset + c.length;
    const mask = c.attentionMask;
    if (mask && total > original) {
      const [rows, cols] = mask.shape as [number, number];
      alphas = Array.from({ length: rows }, (_, r) => {
        let real = 0;
        for (let j = 0; j < cols; j++) real += mask.data[r * cols + j] !== 0 ? 1 : 0;
        return ops.ntkAlpha(real, original);
      });
    } else alphas = [ops.ntkAlpha(total, original)];
    c.state.set(key, alphas);
  }
  const d = x.shape[3]!;
  const rd = a.dim ?? d;
  const one = (t: Tensor, alpha: number) =>
    ops.rope(t, c.positions(), { theta: a.theta, style, ...(a.dim ? { rotaryDim: a.dim } : {}), invFreq: ops.ropeInvFreq(ops.ntkAlphaBase(a.theta, alpha, rd), rd) });
  if (alphas.length === 1) return one(x, alphas[0]!);
  return ops.concat(alphas.map((al, b) => one(ops.slice(x, 0, b, b + 1), al)), 0);
}

