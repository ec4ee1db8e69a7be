// Values computed once per generation and reused by every later decoding step: an encoder's
// output, the keys and values cross-attention derives from it.
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

export const once: OpDef = {
  name: "once",
  params: ["x"],
  stateful: true,
  lazy: true,
  doc: "once(x): x, evaluated on the first call of a generation and remembered for the later steps (each call site its own value); without a cache, simply x",
  infer: (a) => a.x?.type,
  runtime: "once",
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
};
