// The selective state-space scan (Mamba): a recurrence with a [B, I, N] state per call site,
// carried across decoding steps like the KV cache, so that a prompt followed by single tokens
// computes exactly what the whole sequence does.
import { tensor, typeText, type TensorT } from "../check/types.js";
import type { OpArg, OpContext, OpDef } from "./op-def.js";
import { selectiveScanOnnx } from "../export/onnx/lowerings/selective-scan.js";

const ranked = (a: OpArg | undefined, c: OpContext, what: string, rank: number, shape: string): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor" || a.type.dims.length !== rank) {
    return c.fail("E0305", a.expr.span, `${what} must be a tensor ${shape}`, { expected: shape, found: typeText(a.type) });
  }
  return a.type;
};

export const selectiveScan: OpDef = {
  name: "selective_scan",
  params: ["x", "delta", "A", "B", "C", "D?"],
  stateful: true,
  doc:
    "selective_scan(x: [B, T, I], delta: [B, T, I], A: [I, N], B: [B, T, N], C: [B, T, N], D?: [I]) -> [B, T, I]: Mamba's selective scan, " +
    "h_t = exp(delta_t·A)·h_{t-1} + delta_t·B_t·x_t with a [B, I, N] state h, y_t = C_t·h_t + D·x_t",
  infer: (a, c) => {
    const x = ranked(a.x, c, "x", 3, "[B, T, I]");
    const delta = ranked(a.delta, c, "delta", 3, "[B, T, I]");
    const A = ranked(a.A, c, "A", 2, "[I, N]");
    const B = ranked(a.B, c, "B", 3, "[B, T, N]");
    const C = ranked(a.C, c, "C", 3, "[B, T, N]");
    if (!x || !delta || !A || !B || !C) return undefined;
    x.dims.forEach((d, i) => c.sameDim(d, delta.dims[i]!, a.delta!.expr.span, "E0301", `dimension ${i} of delta (must equal x's)`));
    c.sameDim(x.dims[2]!, A.dims[0]!, a.A!.expr.span, "E0301", "channels of A (its first dimension must equal x's last)");
    for (const [name, m, arg] of [["B", B, a.B!], ["C", C, a.C!]] as const) {
      c.sameDim(x.dims[0]!, m.dims[0]!, arg.expr.span, "E0301", `batch of ${name}`);
      c.sameDim(x.dims[1]!, m.dims[1]!, arg.expr.span, "E0301", `time steps of ${name}`);
      c.sameDim(A.dims[1]!, m.dims[2]!, arg.expr.span, "E0301", `state size of ${name} (must equal A's second dimension)`);
    }
    if (a.D) {
      const D = a.D.type.kind === "tensor" ? a.D.type : undefined;
      if (!D || D.dims.length !== 1) return c.fail("E0305", a.D.expr.span, "D must be a per-channel vector [I]", { expected: "[I]", found: typeText(a.D.type) });
      c.sameDim(x.dims[2]!, D.dims[0]!, a.D.expr.span, "E0301", "channels of D");
    }
    return tensor([...x.dims]);
  },
  runtime: "selective_scan",
  torch: {
    // A loop over time steps (as transformers' slow path): plain torch, differentiable, the
    // state [B, I, N] kept in the context between decoding calls.
    helper: `
def selective_scan(ctx, site, x, delta, A, B, C, D=None):
    """Mamba's selective scan of x [B, T, I]: h_t = exp(delta_t*A)*h_{t-1} + delta_t*B_t*x_t
    with a [B, I, N] state h, y_t = C_t.h_t (+ D*x_t)."""
    h = ctx.state.get(site) if ctx.use_cache else None
    if h is None:
        h = x.new_zeros(x.shape[0], x.shape[2], A.shape[1])
    decay = torch.exp(delta.unsqueeze(-1) * A)  # [B, T, I, N]
    drive = (delta.unsqueeze(-1) * B.unsqueeze(2)) * x.unsqueeze(-1)  # [B, T, I, N]
    ys = []
    for t in range(x.shape[1]):
        h = decay[:, t] * h + drive[:, t]
        ys.append(torch.matmul(h, C[:, t].unsqueeze(-1)).squeeze(-1))  # [B, I]
    if ctx.use_cache:
        ctx.state[site] = h
    y = torch.stack(ys, dim=1) if ys else torch.zeros_like(x)
    return y if D is None else y + x * D
`,
  },
  onnx: selectiveScanOnnx,
  features: (call) => {
    const A = call.type("A");
    const n = A?.kind === "tensor" && A.dims.length === 2 ? call.size(A.dims[1]!) : undefined;
    return [{ column: "attention", label: `selective state-space scan (state ${n ?? "N"} per channel)` }];
  },
  stats: {
    // Per channel i and state entry n: Δ·A, exp(·)·h, + Δ·B·x (two products), C·h and its sum:
    // 7 operations (the exponential not counted); the D skip adds D·x + y per channel.
    flopsPerToken: (call) => {
      const A = call.type("A");
      if (A?.kind !== "tensor" || A.dims.length !== 2) return 0n;
      const [i, n] = [call.count(A.dims[0]!), call.count(A.dims[1]!)];
      if (i === undefined || n === undefined) return 0n;
      return 7n * i * n + (call.arg("D") ? 2n * i : 0n);
    },
  },
  // The token mixer of a state-space block: it says what the block is for.
  diff: { anchor: true, role: "mixing" },
};
