// Gemma against independent truth: PyTorch's printed module tree (shared/seed/trees), parameter
// counts published for the checkpoints and re-derived by hand from their config.json files, the
// parameter count transformers reported for the conformance checkpoint, and how its config.json
// picks the activation and the embedding scale.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees, ws } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["gemma-2b", "gemma.txt"],
  ]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (2B, 7B/8.5B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //   tied (one V·d):
  //     gemma-2b (V 256000, d 2048, L 18, h 8, k 1 × 256, f 16384),
  //     gemma-7b (V 256000, d 3072, L 28, h = k = 16 × 256, f 24576),
  const published: [string, number][] = [
    ["gemma-2b", 2_506_172_416],
    ["gemma-7b", 8_537_680_896],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["gemma-tiny"]);
});

describe("Gemma", () => {
  it("hidden_act is ignored: a null or absent hidden_activation means the tanh GELU", () => {
    const cfg = { architectures: ["GemmaForCausalLM"], model_type: "gemma", hidden_act: "gelu", head_dim: 8, hidden_size: 32, num_attention_heads: 4 };
    const act = (extra: Record<string, unknown>) => {
      const { values } = configValues(ws, { ...cfg, ...extra }, "config.json");
      return modelFor(ws.archs.get("Gemma")!, undefined, values).config.values.get("act");
    };
    expect(act({})).toBe("gelu_pytorch_tanh");
    expect(act({ hidden_activation: null })).toBe("gelu_pytorch_tanh");
    expect(act({ hidden_activation: "gelu" })).toBe("gelu");
  });

  it("scales embeddings by sqrt(hidden_size) rounded to float32", () => {
    const m = modelFor(ws.archs.get("Gemma")!, "gemma-2b");
    expect(m.config.values.get("embed_scale")).toBe(Math.fround(Math.sqrt(2048)));
  });
});
