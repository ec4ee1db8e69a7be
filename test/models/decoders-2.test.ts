// Command-R, Phi-3, OLMo and Falcon against independent truth: PyTorch's printed module tree
// of Command-R (shared/seed/trees), parameter counts published for the checkpoints (and
// re-derived by hand from their configs below), and the parameter counts transformers
// reported for the conformance checkpoints.
import { describe, expect, it } from "vitest";
import { ops, Tensor } from "../../src/runtime/index.js";
import { itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([["c4ai-command-r-v01", "command-r.txt"]]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Sources: the sizes the model cards publish
  // (Command-R 35B, Falcon-7B 7B, Falcon-40B 40B, Falcon-RW-1B 1.3B, Phi-3-mini 3.8B, OLMo 7B),
  // pinned to the exact totals that each published config.json gives by hand:
  //   Command-R v01  (V 256000, d 8192, L 40, MHA, ffn 22528, tied, LayerNorm without bias):
  //                  V·d + L·(4d² + 3·d·ffn + d) + d
  //   falcon-7b      (V 65024, d 4544, L 32, 71 heads of 64, multi-query, biases off, tied):
  //                  V·d + L·(d·(d + 2·64) + d² + 8d² + 2d) + 2d
  //   falcon-40b     (V 65024, d 8192, L 60, 128 heads, 8 kv groups, ln_attn + ln_mlp, tied):
  //                  V·d + L·(d·(128 + 16)·64 + d² + 8d² + 4d) + 2d
  //   falcon-rw-1b   (V 50304, d 2048, L 24, MHA, biases on, sequential, ALiBi, tied):
  //                  V·d + L·(3d² + 3d + d² + d + 8d² + 5d + 4d) + 2d
  //   Phi-3-mini-4k  (V 32064, d 3072, L 32, MHA, ffn 8192, untied):
  //                  2·V·d + L·(3d² + d² + 2·d·ffn + ffn·d + 2d) + d
  //   OLMo-7B        (V 50304, d 4096, L 32, MHA, ffn 11008, untied, no norm weights):
  //                  2·V·d + L·(4d² + 3·d·ffn)
  const published: [string, number][] = [
    ["c4ai-command-r-v01", 34_980_831_232],
    ["falcon-7b", 6_921_720_704],
    ["falcon-40b", 41_303_293_952],
    ["falcon-rw-1b", 1_311_625_216],
    ["Phi-3-mini-4k-instruct", 3_821_079_552],
    ["OLMo-7B", 6_888_095_744],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["cohere-tiny", "phi3-tiny", "olmo-tiny", "falcon-tiny"]);
});

describe("the general pieces Falcon needs", () => {
  it("bfloat16 ALiBi rounds the slope, the position and their product (BLOOM/Falcon build_alibi_tensor)", () => {
    // 16 heads: slope_0 = 2^-0.5 = 0.70710678… → bfloat16 0.70703125 (0x3F35).
    const b = ops.alibiBias(16, 258, "bfloat16");
    expect(b.data[1]).toBe(0.70703125);
    // 3 · 0.70703125 = 2.12109375 lies past the bfloat16 midpoint of [2.109375, 2.125]: 2.125.
    expect(b.data[3]).toBe(2.125);
    // Position 257 itself becomes 256 (a tie, to even), and 256 · 0.70703125 = 181 is exact.
    expect(b.data[257]).toBe(181);
    // The float32 form keeps the unrounded slope.
    expect(ops.alibiBias(16, 4).data[3]).toBe(Math.fround(3 * Math.fround(Math.SQRT1_2)));
  });

  it("biasBeforeScale scales the bias together with q·k", () => {
    // One query q = 2 against keys 1 and 3, values 10 and 20, bias [0, 1], scale 0.5:
    // (q·k + b)·s = [1, 3.5]; the usual order q·k·s + b gives [1, 4].
    const q = new Tensor(Float32Array.from([2]), [1, 1, 1, 1]);
    const k = new Tensor(Float32Array.from([1, 3]), [1, 1, 2, 1]);
    const v = new Tensor(Float32Array.from([10, 20]), [1, 1, 2, 1]);
    const bias = new Tensor(Float32Array.from([0, 1]), [1, 1, 1, 2]);
    const mix = (a: number, c: number) => (10 * Math.exp(a) + 20 * Math.exp(c)) / (Math.exp(a) + Math.exp(c));
    const pre = ops.attention(q, k, v, { scale: 0.5, bias, biasBeforeScale: true });
    const post = ops.attention(q, k, v, { scale: 0.5, bias });
    expect(pre.data[0]).toBeCloseTo(mix(1, 3.5), 5);
    expect(post.data[0]).toBeCloseTo(mix(1, 4), 5);
  });
});
