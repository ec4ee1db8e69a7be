// Attention biases that depend on the distance between a query and a key rather than on
// absolute positions (learned per distance bucket).
import { Sym } from "../shapes/sym.js";
import type { OpDef } from "./ops.js";
import { tensor, typeText } from "./types.js";

export const relativePositionOps: Record<string, OpDef> = {
  relative_position_bias: {
    params: ["table", "x"],
    keywords: { bidirectional: "scalar", max_distance: "scalar", cache: "scalar" },
    doc:
      "relative_position_bias(table: [buckets, H], x: [B, T, …], bidirectional, max_distance, cache = true) -> [1, H, T, S]: " +
      "the table row of each (query, key) distance bucket (exact buckets for short distances, logarithmic up to max_distance; " +
      "bidirectional halves the buckets between keys before and after the query). Queries are x's T tokens, after the tokens " +
      "already cached when `cache`; keys are every token up to the last query",
    infer: (a, c) => {
      const t = a.table?.type;
      const x = a.x?.type;
      if (!t || !x) return undefined;
      if (t.kind !== "tensor" || t.dims.length !== 2) return c.fail("E0305", a.table!.expr.span, "the bias table must be a matrix [buckets, heads]", { found: typeText(t) });
      if (x.kind !== "tensor" || x.dims.length < 2) return c.fail("E0305", a.x!.expr.span, "x must be a sequence [B, T, …]", { found: typeText(x) });
      return tensor([Sym.const(1), t.dims[1]!, x.dims[1]!, Sym.atom("keys")]);
    },
  },
};
