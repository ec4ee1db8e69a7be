/**
 * Rotary position embeddings. Fixtures are compared at 1e-4 with θ up to 1e6
 * and a position error is amplified by the frequency, so every step that HF
 * computes in float32 (inv_freq, position·inv_freq, cos/sin, the rotation) is
 * rounded with Math.fround at the same point here.
 */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { expectRank, shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { activationArray } from "../kernels/activation-scope.js";
import { ropeHalfKernel } from "../kernels/rope.js";
import { ropeInvFreq } from "./rope-frequencies.js";

export { ropeInvFreq } from "./rope-frequencies.js";

const f = Math.fround;

export interface RopeScaling {
  /** linear: positions / factor; dynamic: HF LlamaDynamicNTK; ntk: static NTK-aware base = θ·factor^(d/(d−2)). */
  type: "linear" | "dynamic" | "ntk";
  factor: number;
  /** Required for dynamic: the length beyond which the base is rescaled. */
  originalMaxPositions?: number;
}

export interface RopeOptions {
  theta: number;
  /** Rotate only the first rotaryDim dims of each head (default: all). */
  rotaryDim?: number;
  /** rotate_half: HF Llama pairs (i, i + rd/2); interleaved: GPT-J pairs (2i, 2i+1). */
  style: "rotate_half" | "interleaved";
  scaling?: RopeScaling;
  /** A stored inv_freq buffer (ChatGLM2), used instead of computing one from θ. */
  invFreq?: Float32Array;
  /** Sequence length for dynamic scaling; default max(position) + 1, as HF. */
  seqLen?: number;
  /** cos and sin multiplied by this factor (HF `attention_scaling`, e.g. LongRoPE's), each product rounded to float32. */
  attentionScaling?: number;
}

/**
 * ropeInvFreq remembered per (base, dim): every layer's q and k of every step ask for the
 * same one. Read-only (never handed out); dynamic scaling's bases change with the length,
 * so the memory is bounded.
 */
const invFreqMemo = new Map<string, Float32Array>();
const INV_FREQ_MEMO_SIZE = 64;

function memoInvFreq(base: number, dim: number): Float32Array {
  const key = `${base}/${dim}`;
  let inv = invFreqMemo.get(key);
  if (!inv) {
    if (invFreqMemo.size >= INV_FREQ_MEMO_SIZE) invFreqMemo.clear();
    inv = ropeInvFreq(base, dim);
    invFreqMemo.set(key, inv);
  }
  return inv;
}

/** HF LlamaDynamicNTKScalingRotaryEmbedding's rescaled base, with torch's float32 roundings. */
function dynamicBase(theta: number, dim: number, factor: number, seqLen: number, original: number): number {
  const grown = f(f(f(f(factor) * seqLen) / original) - f(factor - 1));
  return f(f(theta) * f(Math.pow(grown, dim / (dim - 2))));
}

function inverseFrequencies(opts: RopeOptions, rd: number, seqLen: number): Float32Array {
  if (opts.invFreq) {
    if (opts.invFreq.length !== rd / 2) {
      throw new RuntimeShapeError("rope", `invFreq of length ${rd / 2} (rotaryDim / 2)`, String(opts.invFreq.length));
    }
    return opts.invFreq;
  }
  const s = opts.scaling;
  if (s?.type === "dynamic") {
    if (s.originalMaxPositions === undefined) {
      throw new RuntimeArgumentError("rope", "dynamic scaling needs scaling.originalMaxPositions");
    }
    if (seqLen > s.originalMaxPositions) {
      return memoInvFreq(dynamicBase(opts.theta, rd, s.factor, seqLen, s.originalMaxPositions), rd);
    }
  }
  if (s?.type === "ntk") return memoInvFreq(opts.theta * Math.pow(s.factor, rd / (rd - 2)), rd);
  return memoInvFreq(opts.theta, rd);
}

/** Positions as a [Bp, T] table with Bp = 1 (shared) or B. */
function positionTable(positions: IntTensor | Int32Array, b: number, t: number): { data: Int32Array; rows: number } {
  if (positions instanceof Int32Array) {
    if (positions.length !== t) throw new RuntimeShapeError("rope", `positions of length T = ${t}`, String(positions.length));
    return { data: positions, rows: 1 };
  }
  const s = positions.shape;
  if (s.length !== 2 || s[1] !== t || (s[0] !== b && s[0] !== 1)) {
    throw new RuntimeShapeError("rope", `positions [${b}, ${t}] or [1, ${t}]`, shapeToString(s));
  }
  return { data: positions.data, rows: s[0]! };
}

/** The last cos/sin table and what it was computed from (see rotationTable). */
let lastTable: { positions: Int32Array; inv: Float32Array; linearFactor: number; mscale: number; cos: Float32Array; sin: Float32Array } | undefined;

/**
 * cos/sin per (position, frequency) for the first n positions, shared by all heads. A
 * forward pass rotates q and k of every layer at the same positions with the same
 * frequencies: the table of the previous call is reused when its inputs are equal
 * (compared by value: ~n + half integers against n·half cosines and sines). Generated code
 * goes through lang's rope instead, which keeps its tables per forward context.
 */
function rotationTable(positionData: Int32Array, n: number, inv: Float32Array, linearFactor: number, mscale: number): { cos: Float32Array; sin: Float32Array } {
  const positions = positionData.subarray(0, n);
  const last = lastTable;
  if (last && last.linearFactor === linearFactor && last.mscale === mscale && sameValues(last.positions, positions) && sameValues(last.inv, inv)) return last;
  const half = inv.length;
  const cos = new Float32Array(n * half);
  const sin = new Float32Array(n * half);
  fillTable(positions, n, inv, linearFactor, mscale, cos, sin);
  lastTable = { positions: positions.slice(), inv: inv.slice(), linearFactor, mscale, cos, sin };
  return lastTable;
}

function fillTable(positions: Int32Array, n: number, inv: Float32Array, linearFactor: number, mscale: number, cos: Float32Array, sin: Float32Array): void {
  const half = inv.length;
  for (let r = 0; r < n; r++) {
    const p = linearFactor === 1 ? positions[r]! : f(positions[r]! / linearFactor);
    for (let i = 0; i < half; i++) {
      const angle = f(inv[i]! * p);
      cos[r * half + i] = Math.cos(angle);
      sin[r * half + i] = Math.sin(angle);
      if (mscale !== 1) {
        cos[r * half + i] = cos[r * half + i]! * mscale;
        sin[r * half + i] = sin[r * half + i]! * mscale;
      }
    }
  }
}

/**
 * The rotation table of `opts` (rotaryDim = `rd`) for the n positions shared by a batch, into
 * `cos` and `sin` (n·rd/2 floats each, row r for positions[r]): what `rope` rotates by, for
 * callers that keep their own tables (lang's rope, one per forward context and call).
 */
export function fillRopeTable(positions: Int32Array, opts: RopeOptions, rd: number, cos: Float32Array, sin: Float32Array): void {
  let maxPos = 0;
  for (const p of positions) if (p > maxPos) maxPos = p;
  const inv = inverseFrequencies(opts, rd, opts.seqLen ?? maxPos + 1);
  const linearFactor = opts.scaling?.type === "linear" ? f(opts.scaling.factor) : 1;
  fillTable(positions, positions.length, inv, linearFactor, f(opts.attentionScaling ?? 1), cos, sin);
}

function sameValues(a: Int32Array | Float32Array, b: Int32Array | Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** rotaryDim of `opts` for a head dim d, checked. */
function rotaryDimOf(rotaryDim: number | undefined, d: number): number {
  const rd = rotaryDim ?? d;
  if (!Number.isInteger(rd) || rd <= 0 || rd % 2 !== 0 || rd > d) {
    throw new RuntimeArgumentError("rope", `rotaryDim must be a positive even number <= head dim ${d}, got ${rd}`);
  }
  return rd;
}

/** Rotates x[B, H, T, D] by the angle position·inv_freq of each pair of dims (rotate_half on the WebAssembly kernel when there is one). */
export function rope(x: Tensor, positions: IntTensor | Int32Array, opts: RopeOptions): Tensor {
  expectRank("rope", x.shape, 4, "[B, H, T, D]");
  const [b, , t, d] = x.shape as [number, number, number, number];
  const rd = rotaryDimOf(opts.rotaryDim, d);
  const pos = positionTable(positions, b, t);
  let maxPos = 0;
  for (const p of pos.data) if (p > maxPos) maxPos = p;
  const inv = inverseFrequencies(opts, rd, opts.seqLen ?? maxPos + 1);
  const linearFactor = opts.scaling?.type === "linear" ? f(opts.scaling.factor) : 1;
  const mscale = f(opts.attentionScaling ?? 1);
  const { cos, sin } = rotationTable(pos.data, pos.rows * t, inv, linearFactor, mscale);
  return rotate(x, cos, sin, pos.rows, opts.style, rd);
}

/**
 * x[B, H, T, D] rotated in its first rd dims by a table of cos and sin rows [rows·T, rd/2]
 * (rows = 1: shared by the batch, or B); the rest of each head is copied.
 */
export function rotate(x: Tensor, cos: Float32Array, sin: Float32Array, rows: number, style: RopeOptions["style"], rotaryDim?: number): Tensor {
  expectRank("rope", x.shape, 4, "[B, H, T, D]");
  const [b, h, t, d] = x.shape as [number, number, number, number];
  const rd = rotaryDimOf(rotaryDim, d);
  const half = rd / 2;
  const interleaved = style === "interleaved";
  if (!interleaved && style !== "rotate_half") {
    throw new RuntimeArgumentError("rope", `unknown style ${JSON.stringify(style)}; expected "rotate_half" or "interleaved"`);
  }
  if (!interleaved) {
    const fast = ropeHalfKernel(x.data, cos, sin, b, h, t, d, half, rows);
    if (fast) return new Tensor(fast, [b, h, t, d]);
  }
  const xd = x.data;
  const out = activationArray(xd.length);
  for (let bi = 0; bi < b; bi++) {
    const prow = rows === 1 ? 0 : bi;
    for (let hi = 0; hi < h; hi++) {
      for (let ti = 0; ti < t; ti++) {
        const o = ((bi * h + hi) * t + ti) * d;
        const c0 = (prow * t + ti) * half;
        for (let i = 0; i < half; i++) {
          const c = cos[c0 + i]!;
          const s = sin[c0 + i]!;
          const i1 = interleaved ? o + 2 * i : o + i;
          const i2 = interleaved ? i1 + 1 : i1 + half;
          const x1 = xd[i1]!;
          const x2 = xd[i2]!;
          // HF: x·cos + rotate(x)·sin, each product rounded to float32 before the sum.
          out[i1] = f(x1 * c) - f(x2 * s);
          out[i2] = f(x2 * c) + f(x1 * s);
        }
        for (let j = rd; j < d; j++) out[o + j] = xd[o + j]!;
      }
    }
  }
  return new Tensor(out, [b, h, t, d]);
}
