/**
 * Adaptive input embeddings and the adaptive log-softmax head: the vocabulary is split at
 * `cutoffs` into a frequent head cluster and rarer tail clusters with narrower embeddings.
 * Cluster i covers ids [ends[i], ends[i+1]) with ends = [0, ...cutoffs, vocabulary size].
 */
import { RuntimeArgumentError, RuntimeShapeError } from "../errors.js";
import { shapeToString } from "../layout.js";
import { IntTensor, Tensor } from "../tensor.js";
import { linear, matmul } from "./linear.js";
import { logSoftmax } from "./softmax.js";

const f = Math.fround;

/**
 * ids [..] → [.., d]: each id's row of its cluster's table (`lookup(i, local ids)`), projected
 * by projs[i] ([d, width_i], applied as a linear weight) and multiplied by `scale`.
 */
export function adaptiveEmbedding(ids: IntTensor, cutoffs: readonly number[], lookup: (cluster: number, local: IntTensor) => Tensor, projs: readonly Tensor[], scale: number): Tensor {
  if (projs.length !== cutoffs.length + 1) throw new RuntimeArgumentError("adaptiveEmbedding", `${cutoffs.length + 1} projections for ${cutoffs.length} cutoffs, got ${projs.length}`);
  const d = projs[0]!.shape[0]!;
  const n = ids.data.length;
  const out = new Float32Array(n * d);
  const ends = [0, ...cutoffs, Infinity];
  const s32 = f(scale);
  for (let i = 0; i < projs.length; i++) {
    const rows: number[] = [];
    for (let k = 0; k < n; k++) if (ids.data[k]! >= ends[i]! && ids.data[k]! < ends[i + 1]!) rows.push(k);
    if (rows.length === 0) continue;
    const local = new IntTensor(Int32Array.from(rows, (k) => ids.data[k]! - ends[i]!), [rows.length]);
    const emb = linear(lookup(i, local), projs[i]!);
    if (emb.shape[emb.shape.length - 1] !== d) throw new RuntimeShapeError("adaptiveEmbedding", `projection ${i} to width ${d}`, shapeToString(projs[i]!.shape));
    rows.forEach((k, r) => {
      for (let c = 0; c < d; c++) out[k * d + c] = f(emb.data[r * d + c]! * s32);
    });
  }
  return new Tensor(out, [...ids.shape, d]);
}

/**
 * h [.., d] → log-probabilities [.., V]. The head's logits are layer(0, h·projs[0]) followed by
 * one logit per tail cluster (clusterWeight, clusterBias); a tail cluster's words add that
 * cluster's head log-probability to the log-softmax of layer(i, h·projs[i]).
 */
export function adaptiveLogSoftmax(h: Tensor, cutoffs: readonly number[], layer: (cluster: number, x: Tensor) => Tensor, projs: readonly Tensor[], clusterWeight: Tensor, clusterBias: Tensor): Tensor {
  const clusters = cutoffs.length;
  if (projs.length !== clusters + 1) throw new RuntimeArgumentError("adaptiveLogSoftmax", `${clusters + 1} projections for ${clusters} cutoffs, got ${projs.length}`);
  if (clusterWeight.shape[0] !== clusters) throw new RuntimeShapeError("adaptiveLogSoftmax", `cluster_weight [${clusters}, width]`, shapeToString(clusterWeight.shape));
  const d = h.shape[h.shape.length - 1]!;
  const rows = h.data.length / d;
  const flat = new Tensor(h.data, [rows, d]);
  const project = (i: number) => matmul(flat, projs[i]!);
  const head0 = project(0);
  const shortlist = layer(0, head0);
  const headLogits = concatColumns(shortlist, linear(head0, clusterWeight, clusterBias));
  const head = logSoftmax(headLogits, -1);
  const c0 = shortlist.shape[1]!;
  const hw = c0 + clusters;
  const tails = Array.from({ length: clusters }, (_, k) => logSoftmax(layer(k + 1, project(k + 1)), -1));
  const vocab = c0 + tails.reduce((s, t) => s + t.shape[1]!, 0);
  const out = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    out.set(head.data.subarray(r * hw, r * hw + c0), o);
    let at = c0;
    tails.forEach((t, k) => {
      const w = t.shape[1]!;
      const base = head.data[r * hw + c0 + k]!;
      for (let c = 0; c < w; c++) out[o + at + c] = f(base + t.data[r * w + c]!);
      at += w;
    });
  }
  return new Tensor(out, [...h.shape.slice(0, -1), vocab]);
}

function concatColumns(a: Tensor, b: Tensor): Tensor {
  const [rows, wa] = a.shape as [number, number];
  const wb = b.shape[1]!;
  const out = new Float32Array(rows * (wa + wb));
  for (let r = 0; r < rows; r++) {
    out.set(a.data.subarray(r * wa, (r + 1) * wa), r * (wa + wb));
    out.set(b.data.subarray(r * wb, (r + 1) * wb), r * (wa + wb) + wa);
  }
  return new Tensor(out, [rows, wa + wb]);
}
