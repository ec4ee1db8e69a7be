// Mixtral against independent truth: parameter counts published for the checkpoints and
// re-derived by hand from their config.json files, the parameter count transformers reported
// for the conformance checkpoint, and FLOPs per token that count only the top-k experts.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { itBindsConformanceParams, itCountsPublishedParams, preset } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (46.7B, 141B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //     Mistral-7B-v0.1          V 32000,  d 4096, L 32, h 32, k 8 × 128, f 14336
  //   Mixtral: the MLP is E experts of 3·d·f plus a d·E router; 8x7B as Mistral-7B with E 8,
  //     8x22B: V 32000, d 6144, L 56, h 48, k 8 × 128, f 16384, E 8
  const published: [string, number][] = [
    ["Mixtral-8x7B-v0.1", 46_702_792_704],
    ["Mixtral-8x22B-v0.1", 140_620_634_112],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["mixtral-tiny"]);
});

describe("MoE FLOPs per token count only the top-k experts", () => {
  // 2 × (every matrix a token passes through): attention, the router, k of the E experts
  // (and Qwen's shared expert and its gate), and the LM head; plus, for the token at position
  // 1000, its attention over 1000 keys: 2 · heads · 1000 · (head_dim for q·k + head_dim for p·v).
  const at = { context: 1000 };
  it("Mixtral-8x7B-v0.1: 2 experts of 8", () => {
    const [V, d, L, kv, f] = [32000, 4096, 32, 1024, 14336];
    const perLayer = 2 * d * d + 2 * d * kv + d * 8 + 2 * 3 * d * f;
    const ref = preset("Mixtral-8x7B-v0.1");
    expect(computeStats(modelFor(ref.arch, ref.preset), at).flopsPerToken).toBe(2 * (L * perLayer + V * d) + L * 2 * 32 * 1000 * (128 + 128));
  });
});
