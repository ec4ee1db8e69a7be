// A convolution over the time axis that only looks back (Yuan's localized filtering, the
// depthwise short convolution of Mamba). While decoding, the last K-1 inputs of the site are
// kept in the context, so that feeding one token at a time gives the full pass's outputs.
import * as ops from "../ops/index.js";
import { Tensor } from "../tensor.js";
import { RuntimeArgumentError } from "../errors.js";
import type { ForwardContext } from "../model/context.js";
import type { Conv1dM, Conv2dM } from "../nn/primitives.js";

/** The kernel as [Cout, Cin/groups, K] and how to apply it to a whole (left-padded) sequence. */
function kernelOf(conv: Conv1dM | Conv2dM): { k: number; cin: number; run: (x: Tensor) => Tensor } {
  if (conv.kind === "Conv2d") {
    const [k, width = 1] = conv.kernel;
    if (k === undefined || width !== 1) throw new RuntimeArgumentError("causal_conv", `needs a Conv2d kernel (K, 1) over time, found (${conv.kernel.join(", ")})`);
    const [cout, cin] = conv.weight.shape as [number, number];
    const weight = ops.reshape(conv.weight, [cout, cin, k]);
    return { k, cin, run: (x) => ops.conv1dCausal(x, weight, conv.bias) };
  }
  const [cout, perGroup, k] = conv.weight.shape as [number, number, number];
  const cin = perGroup * conv.groups;
  if (conv.groups === 1) return { k, cin, run: (x) => ops.conv1dCausal(x, conv.weight, conv.bias) };
  if (conv.groups === cout && perGroup === 1) return { k, cin, run: (x) => ops.depthwiseConv1dCausal(x, conv.weight, conv.bias) };
  throw new RuntimeArgumentError("causal_conv", `supports Conv1d with groups = 1 or groups = channels (depthwise), found groups = ${conv.groups} for ${cout} channels`);
}

export function causal_conv(c: ForwardContext, site: string, x: Tensor, conv: Conv1dM | Conv2dM): Tensor {
  const { k, cin, run } = kernelOf(conv);
  if (!c.useCache || k === 1) return run(x);
  const [b, t] = x.shape as [number, number];
  // Zeros before the first token are the left padding of the full pass.
  const past = (c.state.get(site) as Tensor | undefined) ?? Tensor.zeros([b, k - 1, cin]);
  const all = ops.concat([past, x], 1);
  c.state.set(site, ops.slice(all, 1, t, t + k - 1));
  return ops.slice(run(all), 1, k - 1, k - 1 + t);
}
