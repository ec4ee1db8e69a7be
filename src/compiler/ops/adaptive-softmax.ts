// Adaptive input embeddings and adaptive softmax (Baevski & Auli; Grave et al.): the
// vocabulary is cut into frequency clusters, rarer clusters get narrower embeddings that a
// per-cluster projection maps to the model width; the output head scores the frequent words
// and one entry per tail cluster, and each tail cluster has its own softmax.
import { Sym } from "../shapes/sym.js";
import { tensor, typeText, type ModuleListT, type ScalarT } from "../check/types.js";
import { asModuleList } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

/** The first dimension of a Param list's items (every projection maps to the same width). */
const projWidth = (t: ModuleListT): Sym => {
  const v = t.item.variants[0];
  const shape = v?.kind === "primitive" ? (v.args.get("shape") as (ScalarT & { items?: ScalarT[] }) | undefined) : undefined;
  return shape?.items?.[0]?.sym ?? Sym.atom("d_proj");
};

export const adaptiveSoftmaxOps: OpDef[] = [
  {
    name: "adaptive_embedding",
    params: ["ids", "tables", "projs"],
    keywords: { cutoffs: "scalar", scale: "scalar" },
    doc:
      "adaptive_embedding(ids: ids[B, T], tables, projs, cutoffs = [c1, …], scale) -> [B, T, d]: token t of cluster i " +
      "(c_i <= t < c_(i+1), c_0 = 0) is tables[i](t − c_i) · projs[i]ᵀ (projs[i]: [d, width_i]), times `scale`",
    infer: (a, c) => {
      const ids = a.ids?.type;
      const tables = asModuleList(a.tables, c, "tables");
      const projs = asModuleList(a.projs, c, "projs");
      if (!ids || !tables || !projs) return undefined;
      if (ids.kind !== "tensor" || !ids.ids) return c.fail("E0403", a.ids!.expr.span, "adaptive_embedding looks up token ids", { found: typeText(ids) });
      return tensor([...ids.dims, projWidth(projs)]);
    },
    runtime: "adaptive_embedding",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "adaptive_log_softmax",
    params: ["h", "layers", "projs", "cluster_weight", "cluster_bias"],
    keywords: { cutoffs: "scalar", vocab: "scalar" },
    doc:
      "adaptive_log_softmax(h: [.., d], layers, projs, cluster_weight: [n, w0], cluster_bias: [n], cutoffs = [c1, …], vocab) -> [.., vocab]: " +
      "log-probabilities; the head (layers[0] and the n cluster rows, on h · projs[0]) scores words below c1 and each tail " +
      "cluster, a tail word adds its cluster's head log-probability to the log-softmax of layers[i](h · projs[i])",
    infer: (a, c) => {
      const h = a.h?.type;
      const layers = asModuleList(a.layers, c, "layers");
      const projs = asModuleList(a.projs, c, "projs");
      if (!h || !layers || !projs) return undefined;
      if (h.kind !== "tensor" || h.dims.length === 0) return c.fail("E0305", a.h!.expr.span, "h must be a tensor [.., d]", { found: typeText(h) });
      c.sameDim(h.dims[h.dims.length - 1]!, projWidth(projs), a.h!.expr.span, "E0301", "features of h (the projections' width)");
      const v = a.vocab?.type.kind === "scalar" ? a.vocab.type.sym : undefined;
      if (!v) return c.fail("E0112", c.callSpan, "adaptive_log_softmax needs `vocab = …` (the output size)");
      return tensor([...h.dims.slice(0, -1), v]);
    },
    runtime: "adaptive_log_softmax",
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
