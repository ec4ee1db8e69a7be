// GPT-2 against independent truth: PyTorch's printed module tree (shared/seed/trees), published
// parameter counts, and the parameter count transformers reported for the conformance checkpoint.
import { describe } from "vitest";
import { itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["gpt2", "gpt2.txt"],
  ]);
});

describe("parameter counts", () => {
  // Published counts (unique tensors, a tied matrix once); the GPT-2 family also follows from
  // V*d + P*d + L*(12d^2 + 13d) + 2d.
  const published: [string, number][] = [
    ["gpt2", 124_439_808],
    ["gpt2-medium", 354_823_168],
    ["gpt2-large", 774_030_080],
    ["gpt2-xl", 1_557_611_200],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["gpt2-tiny"]);
});
