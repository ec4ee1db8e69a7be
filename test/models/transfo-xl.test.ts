// Transformer-XL against independent truth: its parameter count by hand, the reference's
// relative-position shift, sinusoids, adaptive embedding and adaptive log-softmax worked by
// hand, and segment-by-segment decoding through the memory equal to one call over the text.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { IntTensor, ops, randomTensor, Tensor } from "../../src/runtime/index.js";
import { expectTensorClose as expectClose, idsOf, preset, randomIds, tinySession } from "./zoo-helpers.js";

describe("Transformer-XL", () => {
  it("transfo-xl-wt103: parameters by hand (adaptive embedding, 18 layers, adaptive softmax with tied tails)", () => {
    const sizes = [20000, 20000, 160000, 67735];
    const widths = [1024, 256, 64, 16];
    const d = 1024;
    const emb = sizes.reduce((s, n, i) => s + n * widths[i]!, 0) + widths.reduce((s, w) => s + d * w, 0);
    const layer = 3 * d * d + d * d + d * d + 2 * d + 2 * 16 * 64 + (d * 4096 + 4096 + 4096 * d + d) + 2 * d;
    // Head: cluster rows and biases, every out_layer bias; weights tied to the embeddings, projections 1..3 tied.
    const crit = 3 * d + 3 + sizes.reduce((s, n) => s + n, 0) + d * d;
    const ref = preset("transfo-xl-wt103");
    expect(computeStats(modelFor(ref.arch, ref.preset)).params).toBe(emb + 18 * layer + crit);
  });

  it("relative_scores equals the reference's pad-and-reshape shift of q·r over descending positions", () => {
    const [H, D, T, S] = [2, 3, 4, 7];
    const q = randomTensor([1, H, T, D], 41);
    const r = randomTensor([S, H * D], 42);
    const got = ops.relativeScores(q, r);
    for (let h = 0; h < H; h++) {
      // raw[i][j] = q_i · r_k[j], r_k[j] the embedding of position S−1−j (pos_seq = S−1 … 0).
      const raw: number[][] = [];
      for (let i = 0; i < T; i++) {
        raw.push([]);
        for (let j = 0; j < S; j++) {
          let a = 0;
          for (let c = 0; c < D; c++) a += q.data[(h * T + i) * D + c]! * r.data[(S - 1 - j) * H * D + h * D + c]!;
          raw[i]!.push(a);
        }
      }
      // _rel_shift: prepend a zero column, view [S+1, T], drop the first row, view [T, S].
      const padded = raw.flatMap((row) => [0, ...row]);
      const shifted = padded.slice(T);
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= S - T + i; j++) expect(got.data[(h * T + i) * S + j]).toBeCloseTo(shifted[i * S + j]!, 5);
      }
    }
  });

  it("relative sinusoid rows by hand (and clamped distances)", () => {
    const t = ops.relativeSinusoid(5, 4, 3);
    // f = [1, 10000^(-1/2) = 0.01]
    expect(Array.from(t.data.subarray(0, 4))).toEqual([0, 0, 1, 1]);
    expect(t.data[4 + 0]).toBeCloseTo(Math.sin(1), 6);
    expect(t.data[4 + 1]).toBeCloseTo(Math.sin(0.01), 6);
    expect(t.data[4 + 3]).toBeCloseTo(Math.cos(0.01), 6);
    expect(Array.from(t.data.subarray(16, 20))).toEqual(Array.from(t.data.subarray(12, 16)));
  });

  it("adaptive embedding and log-softmax by hand; log-probabilities sum to 1", () => {
    // Clusters [0, 2) and [2, 5); widths 2 and 1; projections to d = 2.
    const tables = [Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([5, 6, 7], [3, 1])];
    const projs = [Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([2, -1], [2, 1])];
    const lookup = (i: number, local: IntTensor) => ops.embedding(local, tables[i]!);
    const e = ops.adaptiveEmbedding(new IntTensor(Int32Array.from([1, 3]), [1, 2]), [2], lookup, projs, 2);
    // id 1 → [3, 4]·I·2; id 3 → 6·[2, −1]·2
    expect(Array.from(e.data)).toEqual([6, 8, 24, -12]);
    const h = randomTensor([3, 2], 5);
    const layers = [Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([1, 2, 3], [3, 1])];
    const lp = ops.adaptiveLogSoftmax(h, [2], (i, x) => ops.linear(x, layers[i]!), projs, Tensor.from([0.5, -0.5], [1, 2]), Tensor.from([0.1]));
    expect(lp.shape).toEqual([3, 5]);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(lp.data.subarray(r * 5, r * 5 + 5));
      expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
      // Head: softmax over [h·p0·W0ᵀ (2 words), h·p0·cᵀ + 0.1 (the tail cluster)].
      const x = [h.data[r * 2]!, h.data[r * 2 + 1]!];
      const head = [x[0]!, x[1]!, 0.5 * x[0]! - 0.5 * x[1]! + 0.1];
      const z = Math.log(head.reduce((s, v) => s + Math.exp(v), 0));
      expect(row[0]).toBeCloseTo(head[0]! - z, 5);
      const u = 2 * x[0]! - x[1]!;
      const tail = [u, 2 * u, 3 * u];
      const zt = Math.log(tail.reduce((s, v) => s + Math.exp(v), 0));
      expect(row[4]).toBeCloseTo(head[2]! - z + tail[2]! - zt, 5);
    }
  });

  it("a memory of length 0 is a plain forward: the next segment sees nothing of the previous one", async () => {
    const s = await tinySession("TransfoXL", { mem_len: 0, same_length: false });
    const ids = randomIds(2, 8, Number(s.cfg.vocab), 51);
    const ctx = s.newContext(true);
    s.forward({ input_ids: idsOf(ids, 0, 5) }, ctx);
    const second = s.forward({ input_ids: idsOf(ids, 5, 8) }, ctx).output;
    const alone = s.forward({ input_ids: idsOf(ids, 5, 8) }).output;
    expect(Array.from(second.data)).toEqual(Array.from(alone.data));
  });

  it("segment by segment through the memory equals one call over the whole text (same_length attention)", async () => {
    const s = await tinySession("TransfoXL");
    const mem = Number(s.cfg.mem_len);
    const total = mem + 5; // longer than the memory: early tokens fall out of it
    const ids = randomIds(2, total, Number(s.cfg.vocab), 52);
    const full = s.forward({ input_ids: idsOf(ids) }).output;
    const ctx = s.newContext(true);
    const cuts = [0, 4, 7, 8, total - 1, total];
    const parts = cuts.slice(1).map((to, k) => s.forward({ input_ids: idsOf(ids, cuts[k]!, to) }, ctx).output);
    expectClose(ops.concat(parts, 1), full, 1e-5);
  });

  it("the first call attends to mem_len zero slots, as transformers initialises the memory", async () => {
    // The output depends on the memory length even before any memory exists.
    const a = await tinySession("TransfoXL", { mem_len: 6 });
    const b = await tinySession("TransfoXL", { mem_len: 3 });
    const ids = idsOf(randomIds(1, 3, Number(a.cfg.vocab), 53));
    const ya = a.forward({ input_ids: ids }).output;
    const yb = b.forward({ input_ids: ids }).output;
    expect(Array.from(ya.data)).not.toEqual(Array.from(yb.data));
  });
});
