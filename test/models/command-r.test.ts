// Command-R against independent truth: PyTorch's printed module tree (shared/seed/trees), the
// parameter count published for the checkpoint (re-derived by hand from its config below), and
// the parameter count transformers reported for the conformance checkpoint.
import { describe } from "vitest";
import { itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([["c4ai-command-r-v01", "command-r.txt"]]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Source: the size (35B) the model card publishes,
  // pinned to the exact total that the published config.json gives by hand:
  //   Command-R v01  (V 256000, d 8192, L 40, MHA, ffn 22528, tied, LayerNorm without bias):
  //                  V·d + L·(4d² + 3·d·ffn + d) + d
  const published: [string, number][] = [
    ["c4ai-command-r-v01", 34_980_831_232],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["cohere-tiny"]);
});
