// Sparse mixture of experts: a router's logits pick top_k experts per token.
import { formatValue } from "../eval/evaluate.js";
import { Sym } from "../shapes/sym.js";
import { typeText } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import type { OpDef } from "./op-def.js";

export const moe: OpDef = {
  name: "moe",
  params: ["x", "logits", "experts"],
  keywords: { top_k: "scalar", order: "scalar", normalize: "scalar" },
  defaults: { order: "softmax_topk", normalize: true },
  doc: "moe(x: [.., d], logits: [.., E], experts, top_k, order = \"softmax_topk\" | \"topk_softmax\", normalize) -> [.., d]",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of moe");
    const l = asTensor(a.logits, c, "the router logits of moe");
    if (!x || !l) return undefined;
    if (a.experts && a.experts.type.kind !== "modlist") return c.fail("E0201", a.experts.expr.span, "experts must be a list of modules", { found: typeText(a.experts.type) });
    x.dims.slice(0, -1).forEach((d, i) => c.sameDim(d, l.dims[i] ?? Sym.const(1), a.logits!.expr.span, "E0301", `token dimension ${i} of the router logits`));
    return x;
  },
  runtime: "moe",
  features: (call) => [{ column: "moe", label: `${call.submodule("experts")?.children.length ?? "?"} experts, top-${formatValue(call.value("top_k") ?? null)}` }],
  stats: {
    // Each token runs top_k of the E experts: the list's weights count k / E of their FLOPs.
    sparseSubmodules: (call) => {
      const list = call.submodule("experts");
      const k = call.type("top_k");
      const topK = k?.kind === "scalar" && k.sym ? call.size(k.sym) : undefined;
      return list && topK !== undefined && list.children.length > 0 ? { list, fraction: topK / list.children.length } : undefined;
    },
  },
  diff: {
    anchor: true,
    attrs: (call) => ({ experts: String(call.submodule("experts")?.children.length ?? "?") }),
  },
};
