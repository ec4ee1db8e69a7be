// Convolution along the time axis that sees only the past.
import { Sym } from "../shapes/sym.js";
import { tensor, typeText } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, type OpDef } from "./op-def.js";
import { causalConvOnnx } from "../export/onnx/lowerings/segments.js";

export const causalConv: OpDef = {
  name: "causal_conv",
  params: ["x", "conv"],
  stateful: true,
  doc:
    "causal_conv(x: [B, T, Cin], conv) -> [B, T, Cout]: `conv` (a Conv1d with groups 1 or groups = channels (depthwise), or a Conv2d with kernel (K, 1)) " +
    "over the time axis, zero-padded on the left so that token t sees tokens t-K+1..t (PyTorch's padding K-1 cut to the first T outputs); decoding carries the last K-1 inputs",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of causal_conv", 2);
    if (!x || !a.conv) return undefined;
    const m = a.conv.type;
    const v = m.kind === "module" && m.variants.length === 1 ? m.variants[0] : undefined;
    const prim = v?.kind === "primitive" ? v.primitive.name : undefined;
    if (!v || (prim !== "Conv2d" && prim !== "Conv1d")) return c.fail("E0201", a.conv.expr.span, "causal_conv applies a Conv1d or Conv2d submodule", { found: typeText(m) });
    const cin = v.args.get("in_channels")?.sym;
    const cout = v.args.get("out_channels")?.sym;
    if (cin) c.sameDim(cin, x.dims[x.dims.length - 1]!, a.x!.expr.span, "E0303", "input channels of the convolution");
    const groups = v.args.get("groups")?.sym;
    // Grouped convolutions other than depthwise have no kernel in the runtime.
    if (prim === "Conv1d" && groups && groups.constValue() !== 1 && cin && cout) {
      c.sameDim(groups, cin, a.conv.expr.span, "E0304", "groups of the Conv1d (1, or the channel count for a depthwise convolution)");
      c.sameDim(cout, cin, a.conv.expr.span, "E0304", "output channels of the depthwise Conv1d (must equal its input channels)");
    }
    return tensor([...x.dims.slice(0, -1), cout ?? Sym.atom("?")]);
  },
  runtime: "causal_conv",
  torch: {
    helper: `
def causal_conv(ctx, site, x, conv):
    """conv (a Conv1d, groups 1 or depthwise, or a Conv2d with kernel (K, 1)) over the time axis of x [B, T, Cin], zero-padded on the left."""
    k = conv.kernel_size[0]
    t = x.shape[1]
    past = ctx.state.get(site) if ctx.use_cache else None
    if past is None:
        past = x.new_zeros(x.shape[0], k - 1, x.shape[2])
    full = torch.cat((past, x), dim=1)
    if ctx.use_cache:
        ctx.state[site] = full[:, full.shape[1] - (k - 1):]
    weight = conv.weight.flatten(2)  # [Cout, Cin / groups, K]
    y = F.conv1d(full.transpose(1, 2), weight, conv.bias, groups=conv.groups)
    return y.transpose(1, 2)[:, -t:] if t else y.transpose(1, 2)
`,
  },
  onnx: causalConvOnnx,
  features: noFeatures,
  stats: noStats,
  // The token mixer of convolutional blocks (LFM2's short convolutions): it says what the block is for.
  diff: { anchor: true, role: "mixing" },
};
