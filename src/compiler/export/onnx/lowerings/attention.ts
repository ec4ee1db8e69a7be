// ONNX lowerings of rope and attention with standard ops: cos/sin from the `position_ids`
// input, the KV cache as past/present graph inputs and outputs, GQA by broadcasting the kv
// heads, masks as one boolean [B|1, 1, T, S] tensor and masked scores set to finfo(float32).min
// (as Hugging Face's eager attention does).
// The numbers the bundled runtime uses, from its kernel-free modules (no Node-only imports).
import { ropeInvFreq } from "../../../../runtime/ops/rope-frequencies.js";
import { alibiSlopes } from "../../../../runtime/ops/alibi.js";

/** torch.finfo(float32).min: what Hugging Face adds to masked scores. */
const FLOAT32_MIN = -3.4028234663852886e38;
import type { GraphBuilder } from "../graph.js";
import { isTensor, type Lowered, type LoweringContext, type OpLowering, type TensorVal } from "../lowering.js";
import { binary, cast, concat, slice, split, transpose, unary, unsqueeze, withScalar } from "../tensors.js";
import { reshapeKeeping } from "./shape.js";

const f = Math.fround;
const num = (v: Lowered): number | undefined => (typeof v === "number" ? v : undefined);

/** cos and sin [B, 1, T, half] of one inverse-frequency table, shared by every rope site. */
const tables = new WeakMap<GraphBuilder, Map<string, { cos: TensorVal; sin: TensorVal }>>();

function cosSin(c: LoweringContext, inv: Float32Array, linearFactor: number, mscale: number): { cos: TensorVal; sin: TensorVal } {
  const key = `${Array.from(inv).join(",")}|${linearFactor}|${mscale}`;
  let perGraph = tables.get(c.g);
  if (!perGraph) tables.set(c.g, (perGraph = new Map()));
  const hit = perGraph.get(key);
  if (hit) return hit;
  const made = c.g.within("rotary", () => {
    const ids = c.io.positionIds();
    let pos = cast(c, ids, "float32");
    if (linearFactor !== 1) pos = withScalar(c, "Div", pos, linearFactor);
    const half = inv.length;
    const angle = binary(c, "Mul", unsqueeze(c, pos, [2]), { kind: "tensor", name: c.g.f32(inv, [half]), elem: "float32", dims: [half] });
    let cos = unsqueeze(c, unary(c, "Cos", angle), [1]);
    let sin = unsqueeze(c, unary(c, "Sin", angle), [1]);
    if (mscale !== 1) {
      cos = withScalar(c, "Mul", cos, mscale);
      sin = withScalar(c, "Mul", sin, mscale);
    }
    return { cos, sin };
  });
  perGraph.set(key, made);
  return made;
}

export function rope(c: LoweringContext, x: TensorVal, a: Record<string, Lowered>): TensorVal {
  const style = typeof a.style === "string" ? a.style : "rotate_half";
  if (style !== "rotate_half" && style !== "interleaved") return c.unsupported(`rope style ${JSON.stringify(style)}`);
  const d = x.dims[3];
  if (typeof d !== "number") return c.unsupported("rope over a run-time head size");
  const rd = num(a.dim) ?? d;
  const scaling = typeof a.scaling === "string" && a.scaling !== "none" && a.scaling !== "default" ? a.scaling : undefined;
  const theta = num(a.theta) ?? 10000;
  const factor = num(a.factor) ?? 1;
  let inv: Float32Array;
  if (!scaling || scaling === "linear") inv = ropeInvFreq(theta, rd);
  else if (scaling === "ntk") inv = ropeInvFreq(theta * Math.pow(factor, rd / (rd - 2)), rd);
  else if (scaling === "dynamic_alpha") return rotate(c, x, rd, style, dynamicAlphaCosSin(c, theta, rd, num(a.original) ?? c.unsupported("dynamic_alpha scaling without `original`")));
  // dynamic / dynamic_alpha / longrope change the frequencies with the sequence length.
  else return c.unsupported(`rope scaling ${JSON.stringify(scaling)} (its frequencies depend on the sequence length)`);
  return rotate(c, x, rd, style, cosSin(c, inv, scaling === "linear" ? f(factor) : 1, 1));
}

/** x·cos + rotate(x)·sin on the first `rd` dims of each head. */
function rotate(c: LoweringContext, x: TensorVal, rd: number, style: string, { cos, sin }: { cos: TensorVal; sin: TensorVal }): TensorVal {
  const d = x.dims[3] as number;
  const half = rd / 2;
  const rot = rd < d ? slice(c, x, 3, 0, rd) : x;
  const rotate = (x1: TensorVal, x2: TensorVal, cs: TensorVal, sn: TensorVal) => [
    binary(c, "Sub", binary(c, "Mul", x1, cs), binary(c, "Mul", x2, sn)),
    binary(c, "Add", binary(c, "Mul", x2, cs), binary(c, "Mul", x1, sn)),
  ];
  let out: TensorVal;
  if (style === "rotate_half") {
    const [x1, x2] = split(c, rot, 3, [half, half]);
    out = concat(c, rotate(x1!, x2!, cos, sin), 3);
  } else {
    // GPT-J pairs (2i, 2i+1): [.., half, 2], rotated pairwise, back to [.., rd].
    const pairs = reshapeKeeping(c, rot, [...rot.dims.slice(0, 3), half, 2]);
    const [x1, x2] = split(c, pairs, 4, [1, 1]);
    const [o1, o2] = rotate(x1!, x2!, unsqueeze(c, cos, [4]), unsqueeze(c, sin, [4]));
    out = reshapeKeeping(c, concat(c, [o1!, o2!], 4), [...rot.dims.slice(0, 3), rd]);
  }
  return rd < d ? concat(c, [out, slice(c, x, 3, rd, d)], 3) : out;
}

const alphaTables = new WeakMap<GraphBuilder, { cos: TensorVal; sin: TensorVal }>();

/**
 * Qwen's power-of-two dynamic NTK: alpha = max(2^ceil(log2(L/original) + 1) - 1, 1) from each
 * row's real length L on the first call of a sequence (the attention mask's row sum), then kept
 * as recurrent state (`past_state.{i}.alpha`, 0 = not yet chosen) so decoding does not change it.
 */
function dynamicAlphaCosSin(c: LoweringContext, theta: number, rd: number, original: number): { cos: TensorVal; sin: TensorVal } {
  const hit = alphaTables.get(c.g);
  if (hit) return hit;
  const g = c.g;
  const made = g.within("rotary_dynamic_alpha", () => {
    const mask = c.io.attentionMask();
    if (!mask) return c.unsupported("dynamic_alpha scaling without an attention mask input");
    const ids = c.io.positionIds();
    const real = g.op("Cast", [g.op("ReduceSum", [mask.name, g.i64([1])], { keepdims: 0 })], { to: 1 });
    const steps = g.op("Add", [g.op("Div", [g.op("Log", [g.op("Div", [real, g.f32(original)])]), g.f32(Math.log(2))]), g.f32(1)]);
    const fresh = g.op("Max", [g.op("Sub", [g.op("Pow", [g.f32(2), g.op("Ceil", [steps])]), g.f32(1)]), g.f32(1)]);
    const state = c.io.recurrentState("rope.dynamic_alpha", "alpha", [ids.dims[0]!]);
    const alpha = g.op("Where", [g.op("Greater", [state.past.name, g.f32(0)]), state.past.name, fresh]);
    state.present(c.tensor(alpha, "float32", [ids.dims[0]!]));
    const base = g.op("Mul", [g.f32(theta), g.op("Pow", [alpha, g.f32(rd / (rd - 2))])]);
    const exps = Array.from({ length: rd / 2 }, (_, i) => f((2 * i) / rd));
    const inv = g.op("Reciprocal", [g.op("Pow", [g.op("Unsqueeze", [base, g.i64([1])]), g.f32(exps, [1, rd / 2])])]);
    const pos = g.op("Unsqueeze", [g.op("Cast", [ids.name], { to: 1 }), g.i64([2])]);
    const angle = g.op("Mul", [pos, g.op("Unsqueeze", [inv, g.i64([1])])]);
    const dims = [ids.dims[0]!, 1, ids.dims[1]!, rd / 2];
    return { cos: c.tensor(g.op("Unsqueeze", [g.op("Cos", [angle]), g.i64([1])]), "float32", dims), sin: c.tensor(g.op("Unsqueeze", [g.op("Sin", [angle]), g.i64([1])]), "float32", dims) };
  });
  alphaTables.set(c.g, made);
  return made;
}

/** The int64 scalar (0-D) of a run-time size, for Range. */
function scalarOf(c: LoweringContext, x: TensorVal, axis: number): string {
  const d = x.dims[axis]!;
  const t = typeof d === "number" ? c.g.i64([d]) : d.value(c.g);
  return c.g.op("Squeeze", [t, c.g.i64([0])]);
}

const masks = new WeakMap<GraphBuilder, Map<string, string>>();

/** Boolean [B|1, 1, T, S]: may query i see key j (causal, window, padding). */
function visibility(c: LoweringContext, q: TensorVal, k: TensorVal, causal: boolean, window: number | undefined, padding: TensorVal | undefined, cached: boolean): string | undefined {
  if (!causal && window === undefined && !padding) return undefined;
  const key = `${causal}|${window}|${!!padding}|${cached}`;
  let perGraph = masks.get(c.g);
  if (!perGraph) masks.set(c.g, (perGraph = new Map()));
  const hit = perGraph.get(key);
  if (hit) return hit;
  const made = c.g.within(`mask${window !== undefined ? `_window${window}` : causal ? "_causal" : "_padding"}`, () => {
    let vis: string | undefined;
    if (causal || window !== undefined) {
      const t = scalarOf(c, q, 2);
      const s = scalarOf(c, k, 2);
      // Queries are the last T of the S positions: query i sits at S - T + i.
      const qpos = c.g.op("Unsqueeze", [c.g.op("Range", [c.g.op("Sub", [s, t]), s, c.g.i64(1)]), c.g.i64([1])]);
      const kpos = c.g.op("Unsqueeze", [c.g.op("Range", [c.g.i64(0), s, c.g.i64(1)]), c.g.i64([0])]);
      vis = c.g.op("LessOrEqual", [kpos, qpos]);
      if (window !== undefined) vis = c.g.op("And", [vis, c.g.op("Greater", [kpos, c.g.op("Sub", [qpos, c.g.i64(window)])])]);
    }
    if (padding) {
      const real = c.g.op("Unsqueeze", [c.g.op("Cast", [padding.name], { to: 9 }), c.g.i64([1, 2])]);
      vis = vis ? c.g.op("And", [vis, real]) : real;
    }
    return vis!;
  });
  perGraph.set(key, made);
  return made;
}

/**
 * Document masking: key j visible to query i only within one segment. The keys' segments are
 * the cached ones (recurrent state, growing with the cache) followed by these queries'.
 */
function segmentMask(c: LoweringContext, querySegments: TensorVal, k: TensorVal, cached: boolean): string {
  const g = c.g;
  const q = g.op("Cast", [querySegments.name], { to: 1 });
  let keys = q;
  if (cached) {
    const state = c.io.recurrentState(c.site, "key_segments", [querySegments.dims[0]!, k.dims[2]!]);
    keys = g.op("Concat", [state.past.name, q], { axis: 1 });
    state.present(c.tensor(keys, "float32", [querySegments.dims[0]!, null]));
  }
  const same = g.op("Equal", [g.op("Unsqueeze", [q, g.i64([2])]), g.op("Unsqueeze", [keys, g.i64([1])])]);
  return g.op("Unsqueeze", [same, g.i64([1])]);
}

/** Queries at 1-based positions p past the trained length n scaled by log(p)/log(n) (Qwen's logn). */
function lognScaled(c: LoweringContext, q: TensorVal, k: TensorVal, n: number): TensorVal {
  const g = c.g;
  const t = scalarOf(c, q, 2);
  const s = scalarOf(c, k, 2);
  const p = g.op("Cast", [g.op("Range", [g.op("Add", [g.op("Sub", [s, t]), g.i64(1)]), g.op("Add", [s, g.i64(1)]), g.i64(1)])], { to: 1 });
  const factor = g.op("Where", [g.op("Greater", [p, g.f32(n)]), g.op("Div", [g.op("Log", [p]), g.f32(Math.log(n))]), g.f32(1)]);
  return c.tensor(g.op("Mul", [q.name, g.op("Unsqueeze", [factor, g.i64([1])])]), "float32", q.dims);
}

export function attention(c: LoweringContext, a: Record<string, Lowered>): TensorVal {
  let k = a.k as TensorVal;
  let v = a.v as TensorVal;
  const cached = a.cache !== false;
  if (cached) ({ k, v } = c.io.kvCache(c.site, k, v));
  else c.io.uncachedKv?.(c.site, k, v);
  const segments = isTensor(a.segments) ? segmentMask(c, a.segments, k, cached) : undefined;
  const logn = num(a.logn);
  let q = a.q as TensorVal;
  if (logn !== undefined) q = lognScaled(c, q, k, logn);
  const [h, kvh, d] = [q.dims[1], k.dims[1], q.dims[3]];
  if (typeof h !== "number" || typeof kvh !== "number" || typeof d !== "number") return c.unsupported("attention over run-time head counts");
  if (h !== kvh) {
    // GQA/MQA: query head j reads kv head j / (H / KV); broadcast [B, KV, 1, S, D] to [B, KV, H/KV, S, D].
    const widen = (t: TensorVal) => {
      const e = c.g.op("Expand", [unsqueeze(c, t, [2]).name, c.g.i64([1, 1, h / kvh, 1, 1])]);
      return reshapeKeeping(c, c.tensor(e, t.elem, [t.dims[0]!, kvh, h / kvh, t.dims[2]!, t.dims[3]!]), [t.dims[0]!, h, t.dims[2]!, t.dims[3]!]);
    };
    k = c.g.within("repeat_kv", () => widen(k));
    v = c.g.within("repeat_kv", () => widen(v));
  }
  const scale = num(a.scale) ?? 1 / Math.sqrt(d);
  let scores = c.tensor(c.g.op("MatMul", [q.name, transpose(c, k, [0, 1, 3, 2]).name]), "float32", [q.dims[0]!, h, q.dims[2]!, k.dims[2]!]);
  let bias = isTensor(a.bias) ? a.bias : undefined;
  if (a.alibi === true) {
    const dtype = typeof a.alibi_dtype === "string" ? a.alibi_dtype : "float32";
    if (dtype !== "float32") return c.unsupported(`ALiBi in ${dtype}`);
    const s = scalarOf(c, k, 2);
    const keys = c.g.op("Cast", [c.g.op("Range", [c.g.i64(0), s, c.g.i64(1)])], { to: 1 });
    const al = c.tensor(c.g.op("Mul", [c.g.f32(alibiSlopes(h), [1, h, 1, 1]), keys]), "float32", [1, h, 1, null]);
    bias = bias ? binary(c, "Add", bias, al) : al;
  }
  const cap = num(a.softcap);
  if (a.scale_bias === true && bias) {
    scores = withScalar(c, "Mul", binary(c, "Add", scores, bias), scale);
    if (cap !== undefined) scores = withScalar(c, "Mul", unary(c, "Tanh", withScalar(c, "Div", scores, cap)), cap);
  } else {
    scores = withScalar(c, "Mul", scores, scale);
    if (cap !== undefined) scores = withScalar(c, "Mul", unary(c, "Tanh", withScalar(c, "Div", scores, cap)), cap);
    if (bias) scores = binary(c, "Add", scores, bias);
  }
  const window = num(a.window);
  const padding = a.padding === false ? undefined : c.io.attentionMask();
  let vis = visibility(c, q, k, a.causal === true, window, padding, cached);
  if (segments) vis = vis ? c.g.op("And", [vis, segments]) : segments;
  if (vis) scores = c.tensor(c.g.op("Where", [vis, scores.name, c.g.f32(FLOAT32_MIN)]), "float32", scores.dims);
  const probs = unary(c, "Softmax", scores, { axis: -1 });
  return c.tensor(c.g.op("MatMul", [probs.name, v.name]), "float32", [q.dims[0]!, h, q.dims[2]!, v.dims[3]!]);
}

/** ONNX lowering of `rope`. */
export const ropeOnnx: OpLowering = (c, a) => rope(c, a.x as TensorVal, a);

/** ONNX lowering of `attention`. */
export const attentionOnnx: OpLowering = (c, a) => attention(c, a);

