// Convolution along the time axis that sees only the past.
import { Sym } from "../shapes/sym.js";
import { tensor, typeText } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, type OpDef } from "./op-def.js";

export const causalConv: OpDef = {
  name: "causal_conv",
  params: ["x", "conv"],
  stateful: true,
  doc: "causal_conv(x: [B, T, Cin], conv) -> [B, T, Cout]: `conv` (a Conv2d with kernel (K, 1)) over the time axis, zero-padded on the left so that token t sees tokens t-K+1..t; decoding carries the last K-1 inputs",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of causal_conv", 2);
    if (!x || !a.conv) return undefined;
    const m = a.conv.type;
    const v = m.kind === "module" && m.variants.length === 1 ? m.variants[0] : undefined;
    if (!v || v.kind !== "primitive" || v.primitive.name !== "Conv2d") return c.fail("E0201", a.conv.expr.span, "causal_conv applies a Conv2d submodule", { found: typeText(m) });
    const cin = v.args.get("in_channels")?.sym;
    const cout = v.args.get("out_channels")?.sym;
    if (cin) c.sameDim(cin, x.dims[x.dims.length - 1]!, a.x!.expr.span, "E0303", "input channels of the convolution");
    return tensor([...x.dims.slice(0, -1), cout ?? Sym.atom("?")]);
  },
  runtime: "causal_conv",
  features: noFeatures,
  stats: noStats,
  // The token mixer of convolutional blocks (LFM2's short convolutions): it says what the block is for.
  diff: { anchor: true },
};
