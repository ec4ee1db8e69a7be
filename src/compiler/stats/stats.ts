// Model statistics from the elaborated module tree: parameters (unique tensors, a tied
// matrix once), FLOPs per token and KV-cache bytes per token.
import { callsIn } from "../ast/walk.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { allWeights, walkInstances } from "../elaborate/instance.js";
import { checkedArch } from "../pipeline.js";
import { evalSym } from "../check/symbolic.js";
import type { TensorT } from "../check/types.js";
import type { Value } from "../ir/model.js";

export interface ModuleStats {
  path: string;
  className: string;
  params: number;
  /** `params` exactly (it is rounded past 2^53). */
  exactParams: bigint;
}

/** The counts exactly: a model with 2^40-wide layers has more parameters than a float counts. */
export interface ExactCounts {
  params: bigint;
  nonEmbeddingParams: bigint;
  /** Rounded to the nearest integer (MoE layers count top_k / experts of their experts). */
  flopsPerToken: bigint;
}

export interface ModelStats {
  model: string;
  preset?: string;
  params: number;
  /** Parameters excluding embedding tables. */
  nonEmbeddingParams: number;
  /** Multiply-adds ×2 of every matrix a token passes through (MoE: only its top-k experts). */
  flopsPerToken: number;
  /** float32 keys + values cached per token, all layers. */
  kvCacheBytesPerToken: number;
  modules: ModuleStats[];
  exact: ExactCounts;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
// Sizes are safe integers (the elaborator refuses others), so each factor converts exactly.
const exactCount = (shape: number[]) => shape.reduce((a, b) => a * BigInt(b), 1n);
const exactSum = (ws: { shape: number[] }[]) => ws.reduce((a, w) => a + exactCount(w.shape), 0n);

/** A fraction of bigints: FLOPs of MoE experts are top_k / experts of their dense count. */
interface Ratio {
  num: bigint;
  den: bigint;
}

export function computeStats(m: ElaboratedModel): ModelStats {
  const tiedTargets = new Set(m.ties.map((t) => t.target));
  // Stored buffers (rotary inv_freq) are checkpoint tensors, not parameters.
  for (const inst of walkInstances(m.root)) if (inst.primitive?.name === "Buffer") for (const w of inst.weights) tiedTargets.add(w.name);
  const weights = allWeights(m.root).filter((w) => !tiedTargets.has(w.name));
  const params = weights.reduce((a, w) => a + count(w.shape), 0);
  let embedding = 0;
  let flops = 0;
  let exactEmbedding = 0n;
  // Σ 2·count·num/den over one common denominator, rounded at the end.
  let flopsNum = 0n;
  let flopsDen = 1n;
  const addFlops = (shape: number[], f: Ratio) => {
    const term = 2n * exactCount(shape) * f.num;
    flopsNum = flopsNum * f.den + term * flopsDen;
    flopsDen *= f.den;
  };
  const moeFraction = moeFractions(m);
  const visit = (inst: Instance, fraction: Ratio): void => {
    const own = moeFraction.get(inst.path);
    const f = own ? { num: fraction.num * own.num, den: fraction.den * own.den } : fraction;
    const x = Number(f.num) / Number(f.den);
    if (inst.primitive) {
      const name = inst.primitive.name;
      if (name === "Embedding") {
        embedding += count(inst.weights[0]?.shape ?? []);
        exactEmbedding += exactCount(inst.weights[0]?.shape ?? []);
      }
      // A recurrent cell multiplies every token by each of its weight matrices (input and hidden).
      if (name === "LSTM") {
        for (const w of inst.weights) {
          if (w.shape.length !== 2) continue;
          flops += 2 * count(w.shape) * x;
          addFlops(w.shape, f);
        }
      }
      if (name === "Linear" || name === "Conv1D" || name === "Conv2d") {
        const w = inst.weights.find((x) => x.name.endsWith("weight"));
        if (w) {
          flops += 2 * count(w.shape) * x;
          addFlops(w.shape, f);
        }
      }
    }
    for (const c of inst.children) visit(c, f);
  };
  visit(m.root, { num: 1n, den: 1n });
  const exactParams = exactSum(weights);
  const modules: ModuleStats[] = [];
  for (const inst of walkInstances(m.root)) {
    if (inst.path === "") continue;
    if (inst.path.split(".").length > 3) continue;
    const mine = allWeights(inst).filter((w) => !tiedTargets.has(w.name));
    modules.push({ path: inst.path, className: inst.className, params: mine.reduce((a, w) => a + count(w.shape), 0), exactParams: exactSum(mine) });
  }
  return {
    model: m.config.arch.name,
    ...(m.config.preset ? { preset: m.config.preset } : {}),
    params,
    nonEmbeddingParams: params - embedding,
    flopsPerToken: Math.round(flops),
    kvCacheBytesPerToken: kvBytes(m),
    modules,
    exact: { params: exactParams, nonEmbeddingParams: exactParams - exactEmbedding, flopsPerToken: (2n * flopsNum + flopsDen) / (2n * flopsDen) },
  };
}

// Experts run for top_k of their E rows: each `moe(x, logits, experts, top_k = k)` call
// marks its expert list's instances with k / E.
function moeFractions(m: ElaboratedModel): Map<string, Ratio> {
  const out = new Map<string, Ratio>();
  const { annotations } = checkedArch(m.config.arch);
  for (const inst of walkInstances(m.root)) {
    const b = inst.block;
    if (!b?.forward || inst.kind !== "block") continue;
    callsIn(b.forward.body).forEach((call) => {
      if (call.callee.kind !== "name" || call.callee.name !== "moe") return;
      const expertsArg = call.args.filter((a) => !a.keyword)[2];
      const topK = call.args.find((a) => a.keyword === "top_k");
      if (!expertsArg || expertsArg.value.kind !== "name" || !topK) return;
      const list = inst.children.find((c) => c.name === (expertsArg.value as { name: string }).name);
      const kType = annotations.types.get(topK.value);
      const k = kType?.kind === "scalar" && kType.sym ? evalSym(kType.sym, { label: "", values: envOf(m, inst) }) : undefined;
      if (list && k !== undefined && Number.isSafeInteger(k) && k >= 0 && list.children.length > 0) out.set(list.path, { num: BigInt(k), den: BigInt(list.children.length) });
    });
  }
  return out;
}

function envOf(m: ElaboratedModel, inst: Instance): Map<string, Value> {
  const env = new Map(m.config.values);
  for (const [k, v] of Object.entries(inst.args)) env.set(k, v);
  return env;
}

function kvBytes(m: ElaboratedModel): number {
  const { annotations } = checkedArch(m.config.arch);
  let total = 0;
  for (const inst of walkInstances(m.root)) {
    const b = inst.block;
    if (!b?.forward || inst.kind !== "block") continue;
    callsIn(b.forward.body).forEach((call) => {
      if (call.callee.kind !== "name" || call.callee.name !== "attention") return;
      const pos = call.args.filter((a) => !a.keyword);
      const cacheArg = call.args.find((a) => a.keyword === "cache");
      if (cacheArg && cacheArg.value.kind === "bool" && !cacheArg.value.value) return;
      for (const a of [pos[1], pos[2]]) {
        const t = a ? (annotations.types.get(a.value) as TensorT | undefined) : undefined;
        if (!t || t.kind !== "tensor" || t.dims.length !== 4) continue;
        const env = { label: "", values: envOf(m, inst) };
        const heads = evalSym(t.dims[1]!, env);
        const dim = evalSym(t.dims[3]!, env);
        if (heads !== undefined && dim !== undefined) total += heads * dim * 4;
      }
    });
  }
  return total;
}


/** A count for JSON: a number while it is exact, past 2^53 its decimal digits as a string. */
export function jsonCount(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

export function formatCount(n: number | bigint): string {
  n = Number(n);
  // Past a thousand trillion a short form is only a magnitude.
  if (n >= 1e15) return n.toExponential(2);
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}
