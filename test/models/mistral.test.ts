// Mistral against independent truth: PyTorch's printed module tree (shared/seed/trees), the
// parameter count published for the checkpoint and re-derived by hand from its config.json, the
// parameter count transformers reported for the conformance checkpoint, and what a sliding
// window may see, in the full pass and decoding from the KV cache.
import { describe, expect, it } from "vitest";
import { configValues } from "../../src/cli/checkpoint.js";
import { expectClose } from "../runtime/close.js";
import {
  configJsonSession as session,
  ids,
  itBindsConformanceParams,
  itCountsPublishedParams,
  itPrintsAsSeedTrees,
  lastLogits,
  prompt,
  swap,
  tinyMistral,
  ws,
} from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["Mistral-7B-v0.1", "mistral.txt"],
  ]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (7.24B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Llama-style, untied:  2·V·d + L·(2·d·h·hd + 2·d·k·hd + 3·d·f + 2·d) + d
  //     Mistral-7B-v0.1          V 32000,  d 4096, L 32, h 32, k 8 × 128, f 14336
  const published: [string, number][] = [
    ["Mistral-7B-v0.1", 7_241_732_096],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["mistral-tiny"]);
});

describe("sliding-window attention", () => {
  it("a query sees only the last `sliding_window` keys (itself included) in the full pass", async () => {
    // One layer: the last position depends on tokens n-3, n-2, n-1 and on nothing before.
    const s = await session(tinyMistral({ sliding_window: 3 }));
    const n = prompt.length;
    const base = lastLogits(s, prompt);
    for (let i = 0; i < n - 3; i++) expect(lastLogits(s, swap(prompt, i))).toEqual(base);
    for (let i = n - 3; i < n; i++) expect(lastLogits(s, swap(prompt, i))).not.toEqual(base);
  });

  it("decoding from the KV cache past the window gives the full pass's logits", async () => {
    const s = await session(tinyMistral({ sliding_window: 3, num_hidden_layers: 2 }));
    const ctx = s.newContext(true);
    s.forward({ input_ids: ids(prompt.slice(0, 4)) }, ctx);
    for (let t = 4; t < prompt.length; t++) {
      const { output } = s.forward({ input_ids: ids([prompt[t]!]) }, ctx);
      expectClose(output.data, lastLogits(s, prompt.slice(0, t + 1)), 1e-5, 1e-5);
    }
    // Long enough for the cache to drop positions no query can see any more.
    const long = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 64);
    const c2 = s.newContext(true);
    s.forward({ input_ids: ids(long.slice(0, 4)) }, c2);
    for (let t = 4; t < long.length; t++) {
      const { output } = s.forward({ input_ids: ids([long[t]!]) }, c2);
      if (t === 150 || t === long.length - 1) expectClose(output.data, lastLogits(s, long.slice(0, t + 1)), 1e-5, 1e-5);
    }
    expect([...c2.kv.values()].every((e) => (e as unknown as { start: number }).start > 0)).toBe(true);
    // Past the window, a token that left it no longer matters to a one-layer model.
    const one = await session(tinyMistral({ sliding_window: 3 }));
    const cached = (xs: number[]) => {
      const c = one.newContext(true);
      one.forward({ input_ids: ids(xs.slice(0, 5)) }, c);
      let out = new Float32Array();
      for (let t = 5; t < xs.length; t++) out = one.forward({ input_ids: ids([xs[t]!]) }, c).output.data;
      return out;
    };
    expect(cached(swap(prompt, 2))).toEqual(cached(prompt));
  });

  it("sliding_window: null in config.json means full causal attention", async () => {
    const { values } = configValues(ws, tinyMistral({ sliding_window: null }), "config.json");
    expect(values.window).toBeNull();
    const s = await session(tinyMistral({ sliding_window: null }));
    expect(lastLogits(s, swap(prompt, 0))).not.toEqual(lastLogits(s, prompt));
  });
});
