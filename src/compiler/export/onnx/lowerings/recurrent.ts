// ONNX lowerings of the recurrent ops: the state a call site carries between decoding steps
// becomes explicit graph inputs and outputs (past_state.{i}.NAME → present_state.{i}.NAME),
// and a recurrence along the sequence an ONNX Scan whose body is one token's update.
import type { GraphBuilder } from "../graph.js";
import type { LoweringContext, OpLowering, PrimitiveLowering, TensorVal } from "../lowering.js";
import { valueInfo } from "../proto.js";
import { concat, reshape, slice, unsqueeze } from "../tensors.js";

const channels = (c: LoweringContext, x: TensorVal): number => {
  const d = x.dims[2];
  return typeof d === "number" ? d : c.unsupported("a recurrence over a run-time channel count");
};

/** out[t] = x[t-1]; before the first token, the state's last token (zeros for a new sequence). */
export const tokenShiftOnnx: OpLowering = (c, a) => {
  const x = a.x as TensorVal;
  const ch = channels(c, x);
  const state = c.io.recurrentState(c.site, "shift", [x.dims[0]!, ch]);
  const prev = unsqueeze(c, state.past, [1]);
  const joined = concat(c, [prev, x], 1);
  state.present(reshape(c, slice(c, x, 1, -1, Number.MAX_SAFE_INTEGER), [x.dims[0]!, ch]));
  return slice(c, joined, 1, 0, x.dims[1]!);
};

/**
 * RWKV-4's WKV: a Scan over the tokens with state (aa, bb, pp) [B, C], each step the
 * numerically stable update of src/runtime/ops/recurrence.ts.
 */
export const wkv4Onnx: OpLowering = (c, a) => {
  const k = a.k as TensorVal;
  const v = a.v as TensorVal;
  const ch = channels(c, k);
  const g = c.g;
  const b = k.dims[0]!;
  const w = g.op("Neg", [g.op("Exp", [g.op("Reshape", [(a.decay as TensorVal).name, g.i64([ch])])])]);
  const u = g.op("Reshape", [(a.first as TensorVal).name, g.i64([ch])]);
  const aa = c.io.recurrentState(c.site, "aa", [b, ch]);
  const bb = c.io.recurrentState(c.site, "bb", [b, ch]);
  const pp = c.io.recurrentState(c.site, "pp", [b, ch], -1e38);
  const body = g.subgraph("wkv_step", (s: GraphBuilder) => {
    const t = (n: string) => valueInfo(n, "float32", ["batch_size", ch]);
    const [ai, bi, pi, ki, vi] = ["a", "b", "p", "k", "v"].map((n) => s.unique(n));
    for (const n of [ai, bi, pi, ki, vi]) s.inputs.push(t(n!));
    const ww = s.op("Add", [u, ki!]);
    const q = s.op("Max", [pi!, ww]);
    const e1 = s.op("Exp", [s.op("Sub", [pi!, q])]);
    const e2 = s.op("Exp", [s.op("Sub", [ww, q])]);
    const out = s.op("Div", [s.op("Add", [s.op("Mul", [e1, ai!]), s.op("Mul", [e2, vi!])]), s.op("Add", [s.op("Mul", [e1, bi!]), e2])]);
    const decayed = s.op("Add", [pi!, w]);
    const q2 = s.op("Max", [decayed, ki!]);
    const f1 = s.op("Exp", [s.op("Sub", [decayed, q2])]);
    const f2 = s.op("Exp", [s.op("Sub", [ki!, q2])]);
    const a2 = s.op("Add", [s.op("Mul", [f1, ai!]), s.op("Mul", [f2, vi!])]);
    const b2 = s.op("Add", [s.op("Mul", [f1, bi!]), f2]);
    const p2 = s.op("Identity", [q2]);
    for (const [n, val] of [["a_next", a2], ["b_next", b2], ["p_next", p2], ["out", out]] as const) s.output(s.unique(n), val, "float32", ["batch_size", ch]);
  });
  const [a2, b2, p2, out] = g.node("Scan", [aa.past.name, bb.past.name, pp.past.name, k.name, v.name], { num_scan_inputs: 2, scan_input_axes: [1, 1], scan_output_axes: [1], body: { graph: body } }, { outputs: 4 });
  aa.present(c.tensor(a2!, "float32", [b, ch]));
  bb.present(c.tensor(b2!, "float32", [b, ch]));
  pp.present(c.tensor(p2!, "float32", [b, ch]));
  return c.tensor(out!, "float32", k.dims);
};


/**
 * RWKV-5/6's WKV with a [D, D] state per head: a Scan over the tokens, each step
 * y = r·(S + diag(bonus)·kᵀv), then S = diag(decay)·S + kᵀv.
 */
export const wkvHeadsOnnx: OpLowering = (c, a) => {
  const [r, k, v] = [a.r, a.k, a.v] as TensorVal[];
  const heads = Number(a.heads);
  const ch = channels(c, k!);
  const dh = ch / heads;
  const g = c.g;
  const b = k!.dims[0]!;
  const perHead = (x: TensorVal) => g.op("Reshape", [x.name, g.i64([0, 0, heads, dh])]);
  // The decay, per channel or per token, as one scan input like k.
  const decay = g.op("Expand", [(a.decay as TensorVal).name, g.op("Shape", [k!.name])]);
  const bonus = g.op("Reshape", [(a.bonus as TensorVal).name, g.i64([heads, dh, 1])]);
  const state = c.io.recurrentState(c.site, "state", [b, heads, dh, dh]);
  const body = g.subgraph("wkv_step", (s: GraphBuilder) => {
    const [si, ri, ki, vi, wi] = ["S", "r", "k", "v", "w"].map((n) => s.unique(n));
    s.inputs.push(valueInfo(si!, "float32", ["batch_size", heads, dh, dh]));
    for (const n of [ri, ki, vi, wi]) s.inputs.push(valueInfo(n!, "float32", ["batch_size", heads, dh]));
    const kv = s.op("Mul", [s.op("Unsqueeze", [ki!, s.i64([-1])]), s.op("Unsqueeze", [vi!, s.i64([-2])])]);
    const y = s.op("MatMul", [s.op("Unsqueeze", [ri!, s.i64([-2])]), s.op("Add", [si!, s.op("Mul", [bonus, kv])])]);
    const next = s.op("Add", [s.op("Mul", [s.op("Unsqueeze", [wi!, s.i64([-1])]), si!]), kv]);
    s.output(s.unique("S_next"), next, "float32", ["batch_size", heads, dh, dh]);
    s.output(s.unique("y"), s.op("Squeeze", [y, s.i64([-2])]), "float32", ["batch_size", heads, dh]);
  });
  const [s2, y] = g.node("Scan", [state.past.name, perHead(r!), perHead(k!), perHead(v!), g.op("Reshape", [decay, g.i64([0, 0, heads, dh])])], { num_scan_inputs: 4, scan_input_axes: [1, 1, 1, 1], scan_output_axes: [1], body: { graph: body } }, { outputs: 2 });
  state.present(c.tensor(s2!, "float32", [b, heads, dh, dh]));
  return c.tensor(g.op("Reshape", [y!, g.i64([0, 0, ch])]), "float32", k!.dims);
};

/**
 * torch.nn.LSTM, batch first, layer by layer as ONNX LSTM ops (time-major: onnxruntime has no
 * batch-first LSTM kernel, so the sequence is transposed in and out). PyTorch stacks
 * the gates i, f, g, o; ONNX reads i, o, f, c: the weights are reordered in the graph (a
 * Split + Concat onnxruntime folds at load). Each layer's (h, c) is recurrent state.
 */
export const lstmOnnx: PrimitiveLowering = (c, m, x) => {
  const g = c.g;
  const hidden = Number(m.args.hidden_size);
  const layers = Number(m.args.num_layers ?? 1);
  const b = x.dims[0]!;
  const reorder = (w: string, rows: number[]) => {
    const [i, f, gg, o] = g.node("Split", [w, g.i64([hidden, hidden, hidden, hidden])], { axis: 0 }, { outputs: 4 });
    const joined = g.op("Concat", [i!, o!, f!, gg!], { axis: 0 });
    return g.op("Unsqueeze", [g.op("Reshape", [joined, g.i64(rows)]), g.i64([0])]);
  };
  let y = g.op("Transpose", [x.name], { perm: [1, 0, 2] });
  for (let k = 0; k < layers; k++) {
    const wIh = m.weight(`weight_ih_l${k}`);
    const wHh = m.weight(`weight_hh_l${k}`);
    const W = reorder(wIh.name, [4 * hidden, wIh.dims[1] as number]);
    const R = reorder(wHh.name, [4 * hidden, hidden]);
    const bias = m.hasWeight(`bias_ih_l${k}`)
      ? g.op("Reshape", [g.op("Concat", [reorder(m.weight(`bias_ih_l${k}`).name, [4 * hidden]), reorder(m.weight(`bias_hh_l${k}`).name, [4 * hidden])], { axis: 1 }), g.i64([1, 8 * hidden])])
      : "";
    const h = c.io.recurrentState(`${m.path}#lstm`, `h_l${k}`, [b, hidden]);
    const cc = c.io.recurrentState(`${m.path}#lstm`, `c_l${k}`, [b, hidden]);
    const h0 = g.op("Unsqueeze", [h.past.name, g.i64([0])]);
    const c0 = g.op("Unsqueeze", [cc.past.name, g.i64([0])]);
    const [Y, Yh, Yc] = g.node("LSTM", [y, W, R, bias, "", h0, c0], { hidden_size: hidden }, { outputs: 3 });
    h.present(c.tensor(g.op("Squeeze", [Yh!, g.i64([0])]), "float32", [b, hidden]));
    cc.present(c.tensor(g.op("Squeeze", [Yc!, g.i64([0])]), "float32", [b, hidden]));
    // Y: [T, num_directions = 1, B, hidden].
    y = g.op("Squeeze", [Y!, g.i64([1])]);
  }
  return c.tensor(g.op("Transpose", [y], { perm: [1, 0, 2] }), "float32", [b, x.dims[1]!, hidden]);
};
