// Qwen1.5 and Qwen2 against independent truth: PyTorch's printed module tree
// (shared/seed/trees), parameter counts published for the checkpoints and re-derived by hand
// from their config.json files, the parameter count transformers reported for the conformance
// checkpoint, and which layers slide (use_sliding_window, max_window_layers).
import { describe, expect, it } from "vitest";
import { configJsonSession as session, itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees, lastLogits, prompt, swap, tinyMistral } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["Qwen1.5-0.5B", "qwen2.txt"],
  ]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (0.5B, 0.5B, 7B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //     Qwen2-7B (+ q/k/v biases h·hd + 2·k·hd per layer) V 152064, d 3584, L 28, h 28, k 4 × 128, f 18944
  //   tied (one V·d): Qwen1.5-0.5B (V 151936, d 1024, L 24, h = k = 16 × 64, f 2816, q/k/v biases),
  //     Qwen2-0.5B (V 151936, d 896, L 24, h 14, k 2 × 64, f 4864, q/k/v biases),
  const published: [string, number][] = [
    ["Qwen1.5-0.5B", 463_987_712],
    ["Qwen2-0.5B", 494_032_768],
    ["Qwen2-7B", 7_615_616_512],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["qwen2-tiny"]);
});

describe("sliding-window attention", () => {
  it("Qwen2 slides only with use_sliding_window, on layers from max_window_layers on", async () => {
    const qwen = (extra: Record<string, unknown>) => ({
      ...tinyMistral({ sliding_window: 3 }),
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      ...extra,
    });
    const windowed = await session(qwen({ use_sliding_window: true, max_window_layers: 0 }));
    expect(lastLogits(windowed, swap(prompt, 0))).toEqual(lastLogits(windowed, prompt));
    for (const full of [qwen({ use_sliding_window: true, max_window_layers: 1 }), qwen({ use_sliding_window: false, max_window_layers: 0 })]) {
      const s = await session(full);
      expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
    }
  });
});
