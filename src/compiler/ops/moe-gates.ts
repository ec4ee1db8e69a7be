// The dense gates of a top-k router, with the routing `moe` applies: written out in a forward
// body when a model weights something other than a list of experts by them.
import { tensor } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { topkGatesOnnx } from "../export/onnx/lowerings/moe.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

export const topkGates: OpDef = {
  name: "topk_gates",
  params: ["logits"],
  keywords: { top_k: "scalar", order: "scalar", normalize: "scalar" },
  defaults: { order: "softmax_topk", normalize: true },
  doc:
    "topk_gates(logits: [.., E], top_k, order = \"softmax_topk\" | \"topk_softmax\", normalize = true | false | p) -> [.., E]: each row's router gates, " +
    "zero outside its top_k experts (the routing `moe` applies); normalize = true divides the k gates by their sum, a number p by their p-norm (DBRX), false or null keeps them raw",
  infer: (a, c) => {
    const l = asTensor(a.logits, c, "the router logits of topk_gates");
    if (!l) return undefined;
    if (!a.top_k) return c.fail("E0112", c.callSpan, "topk_gates needs `top_k = …`");
    return tensor([...l.dims]);
  },
  runtime: "topk_gates",
  torch: {
    // moe_route is defined with moe's lowering (ops/moe.ts): one routing for both.
    helper: `
def topk_gates(logits, top_k, order="softmax_topk", normalize=True):
    """Each row's router gates [.., E], zero outside its top_k experts (the routing moe applies)."""
    gates, chosen = moe_route(logits, top_k, order, normalize)
    return torch.zeros_like(gates).scatter(-1, chosen, gates).to(logits.dtype)
`,
  },
  onnx: topkGatesOnnx,
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
};
