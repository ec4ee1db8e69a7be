// Per-token indices derived from the token ids: absolute positions and document segments.
import { tensor } from "../check/types.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";

export const positionIds: OpDef = {
  name: "position_ids",
  params: ["ids"],
  doc: "position_ids(ids: ids[B, T]) -> ids[B, T]: absolute positions (continuing after the KV cache)",
  infer: (a, c) => {
    const x = asTensor(a.ids, c, "the input of position_ids");
    return x ? tensor(x.dims, true) : undefined;
  },
  runtime: "position_ids",
  // Positions index a learned table (an Embedding): absolute learned position embeddings.
  features: () => [{ column: "positions", label: "learned" }],
  stats: noStats,
  diff: plainDiff,
};

export const segmentIds: OpDef = {
  name: "segment_ids",
  params: ["ids", "boundary"],
  stateful: true,
  doc: "segment_ids(ids: ids[B, T], boundary) -> ids[B, T]: how many `boundary` tokens (end of document) precede each position, counting the cached ones; boundary = null gives one segment",
  infer: (a, c) => {
    const x = asTensor(a.ids, c, "the input of segment_ids", 2);
    return x ? tensor(x.dims, true) : undefined;
  },
  runtime: "segment_ids",
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
};
