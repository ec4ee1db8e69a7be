// Document segments (segment_ids + attention's `segments`) and the streaming state of
// causal_conv, against values worked out by hand.
import { describe, expect, it } from "vitest";
import { ForwardContext, IntTensor, lang, Tensor } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

const ids = (rows: number[][]) => new IntTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

describe("segment_ids", () => {
  it("a position's segment counts the boundary tokens before it (the boundary ends its own segment)", () => {
    const c = new ForwardContext(false);
    expect(Array.from(lang.segment_ids(c, "s", ids([[5, 2, 7, 2, 9], [2, 2, 1, 1, 1]]), 2).data)).toEqual([0, 0, 1, 1, 2, 0, 1, 2, 2, 2]);
    expect(Array.from(lang.segment_ids(c, "s", ids([[5, 2, 7]]), null).data)).toEqual([0, 0, 0]);
  });

  it("continues the count over the cached tokens when decoding", () => {
    const c = new ForwardContext(true);
    expect(Array.from(lang.segment_ids(c, "s", ids([[5, 2]]), 2).data)).toEqual([0, 0]);
    expect(Array.from(lang.segment_ids(c, "s", ids([[7]]), 2).data)).toEqual([1]);
    expect(Array.from(lang.segment_ids(c, "s", ids([[2]]), 2).data)).toEqual([1]);
    expect(Array.from(lang.segment_ids(c, "s", ids([[9]]), 2).data)).toEqual([2]);
  });
});

describe("attention with segments", () => {
  // One head, head size 1, scale 1: scores are q_i·k_j.
  const q = Tensor.from([1, 2, 3], [1, 1, 3, 1]);
  const k = Tensor.from([1, 0.5, -1], [1, 1, 3, 1]);
  const v = Tensor.from([10, 20, 30], [1, 1, 3, 1]);

  it("a query sees only the earlier keys of its own segment", () => {
    const c = new ForwardContext(false);
    const out = lang.attention(c, "a", q, k, v, { causal: true, scale: 1, segments: ids([[0, 1, 1]]) });
    // query 0: key 0 only; query 1: key 1 only (key 0 is another document);
    // query 2: keys 1 and 2 with scores 1.5 and -3.
    const w1 = Math.exp(1.5);
    const w2 = Math.exp(-3);
    expectClose(out.data, [10, 20, (20 * w1 + 30 * w2) / (w1 + w2)], 1e-5);
  });

  it("keeps the keys' segments with the KV cache", () => {
    const c = new ForwardContext(true);
    const first = (t: Tensor) => Tensor.from(Array.from(t.data.subarray(0, 2)), [1, 1, 2, 1]);
    const last = (t: Tensor) => Tensor.from([t.data[2]!], [1, 1, 1, 1]);
    lang.attention(c, "a", first(q), first(k), first(v), { causal: true, scale: 1, segments: ids([[0, 0]]) });
    // The third token starts a new document: it attends to itself alone.
    const out = lang.attention(c, "a", last(q), last(k), last(v), { causal: true, scale: 1, segments: ids([[1]]) });
    expectClose(out.data, [30], 1e-6);
  });
});

describe("causal_conv", () => {
  // Conv2d weight [Cout = 1, Cin = 1, K = 2, 1]: 10·previous + 1·current + 0.5.
  const conv = { kind: "Conv2d" as const, kernel: [2, 1], weight: Tensor.from([10, 1], [1, 1, 2, 1]), bias: Tensor.from([0.5]) };
  const x = Tensor.from([1, 2, 3, 4], [1, 4, 1]);

  it("zero before the first token", () => {
    expect(Array.from(lang.causal_conv(new ForwardContext(false), "c", x, conv).data)).toEqual([1.5, 12.5, 23.5, 34.5]);
  });

  it("token by token with the previous input carried equals the full pass", () => {
    const c = new ForwardContext(true);
    const a = lang.causal_conv(c, "c", Tensor.from([1, 2], [1, 2, 1]), conv);
    const b = lang.causal_conv(c, "c", Tensor.from([3], [1, 1, 1]), conv);
    const d = lang.causal_conv(c, "c", Tensor.from([4], [1, 1, 1]), conv);
    expect([...a.data, ...b.data, ...d.data]).toEqual([1.5, 12.5, 23.5, 34.5]);
  });
});
