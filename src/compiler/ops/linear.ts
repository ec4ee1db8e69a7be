// A matrix product with a weight tensor the model holds itself (a Param); the usual layer
// is the primitive Linear.
import { tensor } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, type OpDef } from "./op-def.js";
import { linearOnnx } from "../export/onnx/lowerings/shape.js";

export const linear: OpDef = {
  name: "linear",
  params: ["x", "weight", "bias?"],
  doc: "linear(x: [.., in], weight: [out, in], bias?: [out]) -> [.., out]",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of linear");
    const w = asTensor(a.weight, c, "the weight of linear", 2);
    if (!x || !w) return undefined;
    c.sameDim(x.dims[x.dims.length - 1]!, w.dims[1]!, a.x!.expr.span, "E0303", "input features (the weight's second dimension)");
    return tensor([...x.dims.slice(0, -1), w.dims[0]!]);
  },
  runtime: "linear",
  torch: { inline: (a) => `F.linear(${a.x}, ${a.weight}${a.bias ? `, ${a.bias}` : ""})` },
  onnx: linearOnnx,
  features: noFeatures,
  stats: {
    // Every token is multiplied by the [out, in] weight once.
    flopsPerToken: (call) => {
      const w = call.type("weight");
      if (w?.kind !== "tensor" || w.dims.length !== 2) return 0n;
      const [out, inF] = [call.count(w.dims[0]!), call.count(w.dims[1]!)];
      return out !== undefined && inF !== undefined ? 2n * out * inF : 0n;
    },
  },
  // A product with a held weight is a projection, as a Linear module is (DBRX's fused experts).
  diff: { anchor: false, role: "projection" },
};
