// Falcon against independent truth: parameter counts published for the checkpoints (re-derived
// by hand from their configs below), the parameter count transformers reported for the
// conformance checkpoint, and the general pieces Falcon needs (bfloat16 ALiBi, bias before scale).
import { describe, expect, it } from "vitest";
import { ops, Tensor } from "../../src/runtime/index.js";
import { itBindsConformanceParams, itCountsPublishedParams } from "./zoo-helpers.js";

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Sources: the sizes the model cards publish
  // (Falcon-7B 7B, Falcon-40B 40B, Falcon-RW-1B 1.3B), pinned to the exact totals that each
  // published config.json gives by hand:
  //   falcon-7b      (V 65024, d 4544, L 32, 71 heads of 64, multi-query, biases off, tied):
  //                  V·d + L·(d·(d + 2·64) + d² + 8d² + 2d) + 2d
  //   falcon-40b     (V 65024, d 8192, L 60, 128 heads, 8 kv groups, ln_attn + ln_mlp, tied):
  //                  V·d + L·(d·(128 + 16)·64 + d² + 8d² + 4d) + 2d
  //   falcon-rw-1b   (V 50304, d 2048, L 24, MHA, biases on, sequential, ALiBi, tied):
  //                  V·d + L·(3d² + 3d + d² + d + 8d² + 5d + 4d) + 2d
  const published: [string, number][] = [
    ["falcon-7b", 6_921_720_704],
    ["falcon-40b", 41_303_293_952],
    ["falcon-rw-1b", 1_311_625_216],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["falcon-tiny"]);
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
