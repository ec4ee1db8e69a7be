// Model statistics from the elaborated module tree: parameters (unique tensors, a tied
// matrix once), FLOPs per token and KV-cache bytes per token.
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { allWeights, walkInstances } from "../elaborate/instance.js";
import { resolvedArch } from "../pipeline.js";
import { binariesIn } from "../resolved/walk.js";
import { opCallsOf, resolvedBlockOf } from "../ops/bound-call.js";
import type { FlopsAt, OpCall } from "../ops/op-def.js";
import type { ResolvedArch, ResolvedExpr } from "../resolved/nodes.js";
import type { Sym } from "../shapes/sym.js";
import type { Value } from "../ir/model.js";

export interface ModuleStats {
  path: string;
  className: string;
  params: number;
  /** `params` exactly (a float rounds it past 2^53). */
  exactParams: bigint;
}

/**
 * The counts in bigint: a model with 2^40-wide layers has more parameters than a float
 * counts exactly. Parameter counts are exact; the FLOPs are the ops' estimate (a float),
 * exact while below 2^53.
 */
export interface ExactCounts {
  params: bigint;
  nonEmbeddingParams: bigint;
  /** Rounded to the nearest integer: exact below 2^53, the nearest float64 past it (MoE shares and attention terms are computed in floats). */
  flopsPerToken: bigint;
}

export interface ModelStats {
  model: string;
  preset?: string;
  params: number;
  /** Parameters excluding embedding tables. */
  nonEmbeddingParams: number;
  /**
   * Float operations of one token at position `context`: multiply-adds ×2 of every weight matrix
   * it passes through (modules, `linear()` and `@` with weight tensors; MoE: only its top-k
   * experts), attention's scores and weighted values over its keys, and recurrent state updates.
   */
  flopsPerToken: number;
  /** The number of keys (the token itself included) attention's FLOPs are counted over. */
  context: number;
  /** float32 keys + values cached per token, all layers. */
  kvCacheBytesPerToken: number;
  modules: ModuleStats[];
  exact: ExactCounts;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
// Sizes are safe integers (the elaborator refuses others), so each factor converts exactly.
const exactCount = (shape: number[]) => shape.reduce((a, b) => a * BigInt(b), 1n);
const exactSum = (ws: { shape: number[] }[]) => ws.reduce((a, w) => a + exactCount(w.shape), 0n);


/** The context length FLOPs per token are counted at unless the caller gives one. */
export const DEFAULT_FLOPS_CONTEXT = 2048;

export function computeStats(m: ElaboratedModel, at: FlopsAt = { context: DEFAULT_FLOPS_CONTEXT }): ModelStats {
  const tiedTargets = new Set(m.ties.map((t) => t.target));
  // Stored buffers (rotary inv_freq) are checkpoint tensors, not parameters.
  for (const inst of walkInstances(m.root)) if (inst.primitive?.stats.weightKind === "buffer") for (const w of inst.weights) tiedTargets.add(w.name);
  const weights = allWeights(m.root).filter((w) => !tiedTargets.has(w.name));
  const params = weights.reduce((a, w) => a + count(w.shape), 0);
  let embedding = 0;
  let exactEmbedding = 0n;
  let flops = 0;
  const resolved = resolvedArch(m.config.arch);
  const callsByInstance = opCalls(m, resolved);
  const calls = [...callsByInstance.values()].flat();
  const shares = sparseShares(calls);
  const visit = (inst: Instance, fraction: number): void => {
    const f = shares.get(inst.path) ?? fraction;
    if (inst.primitive) {
      if (inst.primitive.stats.weightKind === "embedding") {
        embedding += inst.weights.reduce((a, w) => a + count(w.shape), 0);
        exactEmbedding += exactSum(inst.weights);
      }
      flops += inst.primitive.stats.flopsPerToken(inst.weights) * f;
    }
    for (const c of callsByInstance.get(inst) ?? []) flops += (c.def.stats.flopsPerToken?.(c, at) ?? 0) * f;
    if (inst.kind === "block") flops += weightProductFlops(inst, resolved, m.config.values) * f;
    for (const c of inst.children) visit(c, f);
  };
  visit(m.root, 1);
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
    context: at.context,
    kvCacheBytesPerToken: calls.reduce((a, c) => a + (c.def.stats.kvBytesPerToken?.(c) ?? 0), 0),
    modules,
    // FLOPs mix fractional shares (top_k / E) and attention terms: a float, exact below 2^53.
    exact: { params: exactParams, nonEmbeddingParams: exactParams - exactEmbedding, flopsPerToken: BigInt(Math.round(flops)) },
  };
}

/** Every op call of every block instance, bound for the ops' stats hooks. */
function opCalls(m: ElaboratedModel, resolved: ResolvedArch): Map<Instance, OpCall[]> {
  const out = new Map<Instance, OpCall[]>();
  for (const inst of walkInstances(m.root)) {
    if (inst.kind === "block") out.set(inst, opCallsOf({ resolved, config: m.config.values, instance: inst }));
  }
  return out;
}

/**
 * `x @ W` (or `W @ x`) in a forward body where W's dimensions are all config values (a weight,
 * a slice of one): each token is multiplied by the whole matrix. Products of two activations
 * (attention written out by hand) have a free dimension on both sides and are not counted here.
 */
function weightProductFlops(inst: Instance, resolved: ResolvedArch, config: ReadonlyMap<string, Value>): number {
  const body = resolvedBlockOf(resolved, inst)?.forward?.body;
  if (!body) return 0;
  const values = new Map<string, Value>([...config, ...Object.entries(inst.args)]);
  const size = (s: Sym): number | undefined => s.evaluate((n) => (typeof values.get(n) === "number" ? (values.get(n) as number) : undefined));
  const matrix = (e: ResolvedExpr): number | undefined => {
    const t = e.type;
    if (t?.kind !== "tensor" || t.dims.length !== 2) return undefined;
    const [r, c] = [size(t.dims[0]!), size(t.dims[1]!)];
    return r !== undefined && c !== undefined ? r * c : undefined;
  };
  let flops = 0;
  for (const b of binariesIn(body)) {
    if (b.op !== "@") continue;
    const w = matrix(b.right) ?? matrix(b.left);
    if (w !== undefined) flops += 2 * w;
  }
  return flops;
}

// Module lists of which each token runs a share (moe: top_k of E experts): instance path → share.
function sparseShares(calls: OpCall[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of calls) {
    const s = c.def.stats.sparseSubmodules?.(c);
    if (s) out.set(s.list.path, s.fraction);
  }
  return out;
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
