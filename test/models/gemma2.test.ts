// Gemma 2 against independent truth: the parameter count published for the checkpoint and
// re-derived by hand from its config.json, the parameter count transformers reported for the
// conformance checkpoint, and what its local and global layers may see.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { configJsonSession as session, ids, itBindsConformanceParams, itCountsPublishedParams, lastLogits, prompt, swap, tinySizes, ws } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (9B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //   tied (one V·d):
  //     gemma-2-9b (V 256000, d 3584, L 42, h 16, k 8 × 256, f 14336, four norms per layer)
  const published: [string, number][] = [
    ["gemma-2-9b", 9_241_705_984],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["gemma2-tiny"]);
});

describe("Gemma 2", () => {
  const tinyGemma2 = (extra: Record<string, unknown>) => ({
    architectures: ["Gemma2ForCausalLM"],
    model_type: "gemma2",
    ...tinySizes,
    head_dim: 8,
    query_pre_attn_scalar: 12,
    sliding_window: 3,
    final_logit_softcapping: 2.5,
    attn_logit_softcapping: 20.0,
    max_position_embeddings: 64,
    ...extra,
  });

  it("a local layer's window is causal: no future token and nothing older than the window is seen", async () => {
    // (transformers' own mask at the fixtures' commit un-masked future keys on these layers.)
    const s = await session(tinyGemma2({ layer_types: ["sliding_attention"] }));
    const n = prompt.length;
    const at = (xs: number[], i: number) => s.forward({ input_ids: ids(xs) }).output.data.slice(i * 64, (i + 1) * 64);
    const i = 6;
    const base = at(prompt, i);
    for (let j = 0; j < n; j++) {
      const seen = j > i - 3 && j <= i;
      if (seen) expect(at(swap(prompt, j), i)).not.toEqual(base);
      else expect(at(swap(prompt, j), i)).toEqual(base);
    }
  });

  it("a global layer sees the whole prefix; by default layer 0 is global and layer 1 local", async () => {
    const s = await session(tinyGemma2({ layer_types: ["full_attention"] }));
    expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
    const { values } = configValues(ws, tinyGemma2({ num_hidden_layers: 2 }), "config.json");
    const m = modelFor(ws.archs.get("Gemma2")!, undefined, values);
    expect(m.config.values.get("layer_types")).toEqual(["full_attention", "sliding_attention"]);
  });

  it("final logits are soft-capped to (-cap, cap)", async () => {
    const s = await session(tinyGemma2({}));
    const { output } = s.forward({ input_ids: ids(prompt) });
    for (const v of output.data) expect(Math.abs(v)).toBeLessThan(2.5);
  });
});
