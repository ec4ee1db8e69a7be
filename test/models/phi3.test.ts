// Phi-3 against independent truth: the parameter count published for the checkpoint (re-derived
// by hand from its config below) and the parameter count transformers reported for the
// conformance checkpoint.
import { describe } from "vitest";
import { itBindsConformanceParams, itCountsPublishedParams } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Source: the size (3.8B) the model card publishes,
  // pinned to the exact total that the published config.json gives by hand:
  //   Phi-3-mini-4k  (V 32064, d 3072, L 32, MHA, ffn 8192, untied):
  //                  2·V·d + L·(3d² + d² + 2·d·ffn + ffn·d + 2d) + d
  const published: [string, number][] = [
    ["Phi-3-mini-4k-instruct", 3_821_079_552],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["phi3-tiny"]);
});
