// FLOPs per token against counts derived by hand from each model's shapes: every weight matrix
// a token passes through (modules, `linear()` and `@` on weight tensors, only the top-k of a
// fused-expert MoE), attention's scores and weighted values over the keys the token at position
// `context` reaches (a sliding window caps them), and the recurrences' state updates.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { model } from "./zoo-helpers.js";

const flops = (preset: string, context: number) => computeStats(model(preset), { context }).flopsPerToken;

describe("FLOPs per token", () => {
  it("dbrx-instruct: fused experts count 4 of 16, through linear() and @ on slices of the fused weights", () => {
    const [V, d, L, heads, hd, kv, ffn] = [100352, 6144, 40, 48, 128, 8, 10752];
    // Wqkv, out_proj, router, and per routed expert w1 and v1 (linear) and w2 (@): 4 experts.
    const weights = L * (d * (d + 2 * kv * hd) + d * d + d * 16 + 4 * 3 * ffn * d) + V * d;
    const attention = (keys: number) => L * 2 * heads * keys * (hd + hd);
    expect(flops("dbrx-instruct", 1000)).toBe(2 * weights + attention(1000));
    expect(flops("dbrx-instruct", 1)).toBe(2 * weights + attention(1));
    // The published 36B active parameters less the embedding table: about 72 GFLOPs of weights.
    expect(Math.round((2 * weights) / 1e9)).toBe(72);
  });

  it("mamba-130m-hf: projections, the depthwise conv (K taps per channel), the scan's 7·I·N + 2·I; no dependence on the context", () => {
    const [V, d, L, I, N, R, K] = [50280, 768, 24, 1536, 16, 48, 4];
    const perLayer = 2 * (d * 2 * I + I * K + I * (R + 2 * N) + R * I + I * d) + 7 * I * N + 2 * I;
    const expected = L * perLayer + 2 * V * d;
    expect(flops("mamba-130m-hf", 1)).toBe(expected);
    expect(flops("mamba-130m-hf", 5000)).toBe(expected);
  });

  it("Mistral-7B-v0.1: the 4096-token sliding window caps the keys", () => {
    const [V, d, L, kv, f] = [32000, 4096, 32, 1024, 14336];
    const weights = L * (2 * d * d + 2 * d * kv + 3 * d * f) + V * d;
    const attention = (keys: number) => L * 2 * 32 * keys * (128 + 128);
    expect(flops("Mistral-7B-v0.1", 1000)).toBe(2 * weights + attention(1000));
    expect(flops("Mistral-7B-v0.1", 8192)).toBe(2 * weights + attention(4096));
  });

  it("RWKV-4 and RWKV-5: 11·C per layer for wkv4, 7·C·head_size for the matrix-state WKV", () => {
    // rwkv-4-169m-pile: d 768, 12 layers, FFN 4d, vocab 50277; key/value/receptance/output d², FFN key, value d·4d, receptance d².
    const [V4, d4, L4] = [50277, 768, 12];
    expect(flops("rwkv-4-169m-pile", 64)).toBe(L4 * (2 * (4 * d4 * d4 + 2 * d4 * 4 * d4 + d4 * d4) + 11 * d4) + 2 * V4 * d4);
    // rwkv-5-world-1b5: d 2048, 24 layers, head size 64, FFN 7168; r, k, v, gate, output d², FFN d·ffn twice and d².
    const [V5, d5, L5, f5] = [65536, 2048, 24, 7168];
    expect(flops("rwkv-5-world-1b5", 64)).toBe(L5 * (2 * (5 * d5 * d5 + 2 * d5 * f5 + d5 * d5) + 7 * d5 * 64) + 2 * V5 * d5);
  });

  it("linear() and @ on Param weights count; a product of two activations does not", () => {
    const text = `arch Products {
  param d: int = 8
  block M {
    w: Param([6, d])
    u: Param([6, 5])
    forward(x: [B, T, d]) -> [B, T, T] {
      let h = linear(x, w) @ u
      return h @ transpose(h, 1, 2)
    }
  }
  root M
}`;
    const file = join(__dirname, "products.arch");
    const ws = loadWorkspace([file], { includeZoo: false, texts: new Map([[file, text]]) });
    // linear: 2·6·8; @ u: 2·6·5; h @ hᵀ has T on both sides: not a weight product.
    expect(computeStats(modelFor(ws.archs.get("Products")!)).flopsPerToken).toBe(2 * 6 * 8 + 2 * 6 * 5);
  });
});
