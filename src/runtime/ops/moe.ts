/**
 * Sparse mixture-of-experts: top-k routing and the gate-weighted combination
 * of expert outputs. Each expert runs once on the batch of rows routed to it.
 */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { expectRank, shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { gatherRows } from "./shape.js";
import { softmax, topk } from "./softmax.js";

export interface MoeOptions {
  /**
   * softmax_topk: softmax over all experts, then the k largest (Mixtral, Qwen2-MoE, Grok);
   * topk_softmax: the k largest logits, then softmax over those k.
   */
  order: "softmax_topk" | "topk_softmax";
  /**
   * true: renormalise the k gates to sum to 1 (Mixtral; not Qwen2-MoE with norm_topk_prob=false,
   * nor Grok); a number p: divide them by their p-norm (DBRX's moe_normalize_expert_weights);
   * false or null: keep them as they are.
   */
  normalize: boolean | number | null;
}

export interface MoeRouting {
  /** [N, k] gate of each chosen expert, best first. */
  weights: Tensor;
  /** [N, k] expert index of each gate. */
  indices: IntTensor;
}

/** Chooses k experts per row of routerLogits[N, E] and their gates. */
export function moeRoute(routerLogits: Tensor, topK: number, opts: MoeOptions): MoeRouting {
  expectRank("moeRoute", routerLogits.shape, 2, "router logits [N, E]");
  let routed: { values: Tensor; indices: IntTensor };
  if (opts.order === "softmax_topk") {
    routed = topk(softmax(routerLogits), topK);
  } else if (opts.order === "topk_softmax") {
    const top = topk(routerLogits, topK);
    routed = { values: softmax(top.values), indices: top.indices };
  } else {
    throw new RuntimeArgumentError("moeRoute", `unknown order ${JSON.stringify(opts.order)}; expected "softmax_topk" or "topk_softmax"`);
  }
  const w = routed.values.data;
  const p = opts.normalize === true ? 1 : typeof opts.normalize === "number" ? opts.normalize : undefined;
  if (p !== undefined) {
    if (!(p > 0)) throw new RuntimeArgumentError("moeRoute", `the gate norm must be a positive p, got ${p}`);
    for (let o = 0; o < w.length; o += topK) {
      // torch.norm(p): (Σ|w|^p)^(1/p); for p = 1 the plain sum of the (non-negative) gates.
      let norm = 0;
      if (p === 1) for (let j = 0; j < topK; j++) norm += w[o + j]!;
      else if (p === Infinity) for (let j = 0; j < topK; j++) norm = Math.max(norm, Math.abs(w[o + j]!));
      else {
        for (let j = 0; j < topK; j++) norm += Math.abs(w[o + j]!) ** p;
        norm = norm ** (1 / p);
      }
      norm = Math.fround(norm);
      for (let j = 0; j < topK; j++) w[o + j] = w[o + j]! / norm;
    }
  }
  return { weights: routed.values, indices: routed.indices };
}

/** Dense gates [N, E]: each row's k routed gates at their experts' columns, zeros elsewhere. */
export function topkGates(routerLogits: Tensor, topK: number, opts: MoeOptions): Tensor {
  const [n, e] = routerLogits.shape as [number, number];
  const { weights, indices } = moeRoute(routerLogits, topK, opts);
  const out = new Float32Array(n * e);
  for (let r = 0; r < n; r++) for (let j = 0; j < topK; j++) out[r * e + indices.data[r * topK + j]!] = weights.data[r * topK + j]!;
  return new Tensor(out, [n, e]);
}

/**
 * x[N, d] → Σ over the k chosen experts of gate · expert(x), [N, dOut].
 * Experts are visited in index order and each contribution (gate·y rounded to
 * float32) is added in float32, the order and rounding of HF's index_add_.
 */
export function moe(
  x: Tensor,
  routerLogits: Tensor,
  topK: number,
  opts: MoeOptions,
  expert: (e: number, xs: Tensor) => Tensor,
): Tensor {
  expectRank("moe", x.shape, 2, "x [N, d]");
  const [n] = x.shape as [number, number];
  if (routerLogits.shape.length !== 2 || routerLogits.shape[0] !== n) {
    throw new RuntimeShapeError("moe", `router logits [${n}, E] for x ${shapeToString(x.shape)}`, shapeToString(routerLogits.shape));
  }
  const experts = routerLogits.shape[1]!;
  const { weights, indices } = moeRoute(routerLogits, topK, opts);

  let out: Float32Array | undefined;
  let dOut = 0;
  for (let e = 0; e < experts; e++) {
    const rows: number[] = [];
    const gates: number[] = [];
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < topK; j++) {
        if (indices.data[r * topK + j] === e) {
          rows.push(r);
          gates.push(weights.data[r * topK + j]!);
        }
      }
    }
    if (rows.length === 0) continue;
    const y = expert(e, gatherRows(x, rows));
    if (out === undefined) {
      dOut = y.shape[1] ?? -1;
      out = new Float32Array(n * Math.max(dOut, 0));
    }
    if (y.shape.length !== 2 || y.shape[0] !== rows.length || y.shape[1] !== dOut) {
      throw new RuntimeShapeError("moe", `expert ${e} output [${rows.length}, ${dOut}]`, shapeToString(y.shape));
    }
    for (let i = 0; i < rows.length; i++) {
      const g = gates[i]!;
      const oo = rows[i]! * dOut;
      for (let c = 0; c < dOut; c++) out[oo + c] = out[oo + c]! + Math.fround(g * y.data[i * dOut + c]!);
    }
  }
  // N = 0: no expert ran, so the output width is taken to be the input width.
  return out ? new Tensor(out, [n, dOut]) : Tensor.zeros([n, x.shape[1]!]);
}
