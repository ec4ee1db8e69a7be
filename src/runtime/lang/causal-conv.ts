// A convolution over the time axis that only looks back (Yuan's localized filtering, short
// convolutions of state-space models). While decoding, the last K-1 inputs of the site are
// kept in the context, so that feeding one token at a time gives the full pass's outputs.
import * as ops from "../ops/index.js";
import { Tensor } from "../tensor.js";
import { RuntimeArgumentError } from "../errors.js";
import type { ForwardContext } from "../model/context.js";
import type { Conv2dM } from "../nn/primitives.js";

export function causal_conv(c: ForwardContext, site: string, x: Tensor, conv: Conv2dM): Tensor {
  const [k, width = 1] = conv.kernel;
  if (k === undefined || width !== 1) throw new RuntimeArgumentError("causal_conv", `needs a Conv2d kernel (K, 1) over time, found (${conv.kernel.join(", ")})`);
  const [cout, cin] = conv.weight.shape as [number, number];
  const weight = ops.reshape(conv.weight, [cout, cin, k]);
  if (!c.useCache || k === 1) return ops.conv1dCausal(x, weight, conv.bias);
  const [b, t] = x.shape as [number, number];
  // Zeros before the first token are the left padding of the full pass.
  const past = (c.state.get(site) as Tensor | undefined) ?? Tensor.zeros([b, k - 1, cin]);
  const all = ops.concat([past, x], 1);
  c.state.set(site, ops.slice(all, 1, t, t + k - 1));
  return ops.slice(ops.conv1dCausal(all, weight, conv.bias), 1, k - 1, k - 1 + t);
}
