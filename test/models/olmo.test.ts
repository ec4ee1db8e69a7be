// OLMo against independent truth: the parameter count published for the checkpoint (re-derived
// by hand from its config below) and the parameter count transformers reported for the
// conformance checkpoint.
import { describe } from "vitest";
import { itBindsConformanceParams, itCountsPublishedParams } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Source: the size (7B) the model card publishes,
  // pinned to the exact total that the published config.json gives by hand:
  //   OLMo-7B        (V 50304, d 4096, L 32, MHA, ffn 11008, untied, no norm weights):
  //                  2·V·d + L·(4d² + 3·d·ffn)
  const published: [string, number][] = [
    ["OLMo-7B", 6_888_095_744],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["olmo-tiny"]);
});
