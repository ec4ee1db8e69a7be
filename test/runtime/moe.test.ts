import { describe, expect, it } from "vitest";
import { ops, RuntimeShapeError, Tensor } from "../../src/runtime/index.js";
import type { MoeOptions } from "../../src/runtime/index.js";
import { expectClose } from "./close.js";

// Row 0 probabilities [1, 2, 3, 0]/6 (expert 3 gets −∞ logit): top-2 = experts 2 (1/2), 1 (1/3).
// Row 1 probabilities [4, 1, 1, 0]/6: top-2 = expert 0 (2/3), then the tie 1 vs 2 goes to 1 (1/6).
const logits = Tensor.from([[0, Math.log(2), Math.log(3), -Infinity], [Math.log(4), 0, 0, -Infinity]]);
const x = Tensor.from([[1, 2], [3, -1]]);

/** Expert e multiplies by e + 1; records which rows it saw. */
function experts() {
  const calls: { e: number; rows: number[][] }[] = [];
  const fn = (e: number, xs: Tensor) => {
    calls.push({ e, rows: xs.toNested() as number[][] });
    return ops.scale(xs, e + 1);
  };
  return { calls, fn };
}

function run(opts: MoeOptions) {
  const ex = experts();
  return { y: ops.moe(x, logits, 2, opts, ex.fn), calls: ex.calls };
}

describe("moe", () => {
  it("softmax then top-k, gates not renormalised (Qwen2-MoE, Grok)", () => {
    const { y } = run({ order: "softmax_topk", normalize: false });
    // Row 0: (1/2)·3x + (1/3)·2x = (13/6)x; row 1: (2/3)·1x + (1/6)·2x = 1x.
    expectClose(y.data, [13 / 6, 26 / 6, 3, -1], 1e-6);
  });

  it("softmax then top-k, renormalised (Mixtral)", () => {
    const { y } = run({ order: "softmax_topk", normalize: true });
    // Row 0 gates 0.6, 0.4: 0.6·3x + 0.4·2x = 2.6x; row 1 gates 0.8, 0.2: 0.8x + 0.4x = 1.2x.
    expectClose(y.data, [2.6, 5.2, 3.6, -1.2], 1e-6);
  });

  it("top-k of logits then softmax over the k", () => {
    const { y } = run({ order: "topk_softmax", normalize: false });
    // softmax over the two chosen logits equals the renormalised gates.
    expectClose(y.data, [2.6, 5.2, 3.6, -1.2], 1e-6);
  });

  it("calls each expert once with only its rows, skipping unused experts", () => {
    const { calls } = run({ order: "softmax_topk", normalize: true });
    expect(calls).toEqual([
      { e: 0, rows: [[3, -1]] },
      { e: 1, rows: [[1, 2], [3, -1]] },
      { e: 2, rows: [[1, 2]] },
    ]);
  });

  it("exposes the routing", () => {
    const r = ops.moeRoute(logits, 2, { order: "softmax_topk", normalize: false });
    expect(r.indices.toNested()).toEqual([[2, 1], [0, 1]]);
    expectClose(r.weights.data, [1 / 2, 1 / 3, 2 / 3, 1 / 6], 1e-7);
  });

  it("checks expert output shapes", () => {
    expect(() => ops.moe(x, logits, 2, { order: "softmax_topk", normalize: false }, (_e, xs) => Tensor.zeros([xs.shape[0]! + 1, 2]))).toThrow(RuntimeShapeError);
    expect(() => ops.moe(x, Tensor.zeros([3, 4]), 2, { order: "softmax_topk", normalize: false }, (_e, xs) => xs)).toThrow(/router logits \[2, E\]/);
  });
});
