// Runtime of adaptive_embedding and adaptive_log_softmax (src/compiler/ops/adaptive-softmax.ts).
// The module lists arrive as callbacks applying item i; parameter lists as their tensors.
import * as ops from "../ops/index.js";
import type { IntTensor, Tensor } from "../tensor.js";
import type { ForwardContext } from "../model/context.js";

type Apply = (i: number, rows: Tensor) => Tensor;

export function adaptive_embedding(_c: ForwardContext, ids: IntTensor, tables: Apply, projs: readonly Tensor[], a: { cutoffs: number[]; scale?: number }): Tensor {
  return ops.adaptiveEmbedding(ids, a.cutoffs, (i, local) => tables(i, local as unknown as Tensor), projs, a.scale ?? 1);
}

export function adaptive_log_softmax(
  _c: ForwardContext, h: Tensor, layers: Apply, projs: readonly Tensor[], clusterWeight: Tensor, clusterBias: Tensor,
  a: { cutoffs: number[]; vocab?: number },
): Tensor {
  return ops.adaptiveLogSoftmax(h, a.cutoffs, layers, projs, clusterWeight, clusterBias);
}
