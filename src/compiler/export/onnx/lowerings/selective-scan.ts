// ONNX lowering of Mamba's selective scan: the per-token decay exp(Δ·A) and drive Δ·B·x are
// computed for the whole sequence, then an ONNX Scan carries the [B, I, N] state h token by
// token (h = decay·h + drive, y = h·C), the state an explicit past_state → present_state pair.
import type { GraphBuilder } from "../graph.js";
import type { LoweringContext, OpLowering, TensorVal } from "../lowering.js";
import { valueInfo } from "../proto.js";
import { binary, unsqueeze } from "../tensors.js";

const known = (c: LoweringContext, d: unknown, what: string): number => (typeof d === "number" ? d : c.unsupported(`a selective scan over a run-time ${what}`));

/** ONNX lowering of `selective_scan`. */
export const selectiveScanOnnx: OpLowering = (c, a) => {
  const g = c.g;
  const [x, delta, A, B, C] = [a.x, a.delta, a.A, a.B, a.C] as TensorVal[];
  const D = a.D as TensorVal | undefined;
  const inner = known(c, x!.dims[2], "channel count");
  const n = known(c, A!.dims[1], "state size");
  const batch = x!.dims[0]!;
  const dt = unsqueeze(c, delta!, [3]); // [B, T, I, 1]
  const decay = g.op("Exp", [g.op("Mul", [dt.name, A!.name])]); // [B, T, I, N]
  const drive = g.op("Mul", [g.op("Mul", [dt.name, unsqueeze(c, B!, [2]).name]), unsqueeze(c, x!, [3]).name]); // [B, T, I, N]
  const state = c.io.recurrentState(c.site, "ssm", [batch, inner, n]);
  const body = g.subgraph("scan_step", (s: GraphBuilder) => {
    const [hi, di, ui, ci] = ["h", "decay", "drive", "C"].map((v) => s.unique(v));
    for (const v of [hi, di, ui]) s.inputs.push(valueInfo(v!, "float32", ["batch_size", inner, n]));
    s.inputs.push(valueInfo(ci!, "float32", ["batch_size", n]));
    const h = s.op("Add", [s.op("Mul", [di!, hi!]), ui!]);
    const y = s.op("MatMul", [h, s.op("Unsqueeze", [ci!, s.i64([-1])])]); // [B, I, 1]
    s.output(s.unique("h_next"), h, "float32", ["batch_size", inner, n]);
    s.output(s.unique("y"), s.op("Squeeze", [y, s.i64([-1])]), "float32", ["batch_size", inner]);
  });
  const [h, y] = g.node("Scan", [state.past.name, decay, drive, C!.name], { num_scan_inputs: 3, scan_input_axes: [1, 1, 1], scan_output_axes: [1], body: { graph: body } }, { outputs: 2 });
  state.present(c.tensor(h!, "float32", [batch, inner, n]));
  const out = c.tensor(y!, "float32", x!.dims);
  return D ? binary(c, "Add", out, binary(c, "Mul", x!, D)) : out;
};
