// Values computed once per generation and reused by every later decoding step: an encoder's
// output, the keys and values cross-attention derives from it.
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";
import type { Thunk } from "../export/onnx/lowering.js";

export const once: OpDef = {
  name: "once",
  params: ["x"],
  stateful: true,
  lazy: true,
  doc: "once(x): x, evaluated on the first call of a generation and remembered for the later steps (each call site its own value); without a cache, simply x",
  infer: (a) => a.x?.type,
  runtime: "once",
  torch: {
    helper: `
def once(ctx, site, compute):
    """compute(), evaluated on the first call of a generation and remembered for the later steps."""
    if not ctx.use_cache:
        return compute()
    if site not in ctx.state:
        ctx.state[site] = compute()
    return ctx.state[site]
`,
  },
  // The bundled runtime computes it once per generation; a graph recomputes it, except at the
  // root of an encoder-decoder, where it is the encoder graph's output.
  onnx: (c, a) => {
    const value = a.x as Thunk;
    return c.split ? c.split(value) : value();
  },
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
};
