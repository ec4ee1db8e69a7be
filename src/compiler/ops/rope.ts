// Rotary position embeddings.
import { Sym } from "../shapes/sym.js";
import { asTensor, scalarSym } from "./argument-checks.js";
import { noStats, type OpDef } from "./op-def.js";

export const rope: OpDef = {
  name: "rope",
  params: ["x"],
  keywords: {
    theta: "scalar", style: "scalar", dim: "scalar", scaling: "scalar", factor: "scalar", original: "scalar", positions: "tensor",
    short_factor: "scalar", long_factor: "scalar", attention_factor: "scalar",
  },
  defaults: { style: "rotate_half", scaling: null, factor: 1 },
  doc: "rope(x: [B, H, T, D], theta, style = \"rotate_half\" | \"interleaved\", dim = D, scaling, factor, original; scaling = \"longrope\": per-frequency divisors short_factor (length <= original) or long_factor, cos/sin times attention_factor)",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of rope", 4);
    const rd = scalarSym(a.dim);
    // The rotation pairs dimensions up.
    if (x && a.dim && rd) c.divides(rd, Sym.const(2), a.dim.expr.span, "the rotary dimension");
    return x;
  },
  runtime: "rope",
  features: (call) => {
    const style = call.value("style");
    const scaling = call.value("scaling");
    return [{ column: "positions", label: `RoPE(${String(style)}${typeof scaling === "string" && scaling !== "none" ? `, ${scaling}` : ""})` }];
  },
  stats: noStats,
  diff: {
    anchor: false,
    normalize: (attrs) => {
      if (attrs.scaling !== "none" && attrs.scaling !== "default") return;
      // Without scaling, the scaling factor and original length do nothing.
      attrs.scaling = "none";
      delete attrs.factor;
      delete attrs.original;
    },
  },
};

