// Runtime of relative_position_bias (src/compiler/ops/relative-position.ts).
import * as ops from "../ops/index.js";
import type { Tensor } from "../tensor.js";
import type { ForwardContext } from "../model/context.js";

export interface RelativePositionArgs {
  bidirectional?: boolean;
  max_distance: number;
  cache?: boolean;
}

export function relative_position_bias(c: ForwardContext, table: Tensor, x: Tensor, a: RelativePositionArgs): Tensor {
  const queries = x.shape[1]!;
  const offset = a.cache === false || !c.useCache ? 0 : c.offset;
  return ops.relativePositionBias(table, offset, queries, offset + queries, { bidirectional: a.bidirectional ?? false, maxDistance: a.max_distance });
}

export function relative_sinusoid(_c: ForwardContext, x: Tensor, dim: number, a: { clamp?: number | null } = {}): Tensor {
  return ops.relativeSinusoid(x.shape[1]!, dim, a.clamp ?? 0);
}

export function relative_scores(_c: ForwardContext, q: Tensor, r: Tensor): Tensor {
  return ops.relativeScores(q, r);
}
