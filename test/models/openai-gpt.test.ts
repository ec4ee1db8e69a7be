// GPT-1 (openai-gpt) against independent truth: PyTorch's printed module tree
// (shared/seed/trees), the published parameter count, and the parameter count transformers
// reported for the conformance checkpoint.
import { describe } from "vitest";
import { itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["openai-gpt", "openai-gpt.txt"],
  ]);
});

describe("parameter counts", () => {
  // Published counts (unique tensors, a tied matrix once).
  const published: [string, number][] = [
    ["openai-gpt", 116_534_784],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["openai-gpt-tiny"]);
});
