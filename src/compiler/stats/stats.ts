// Model statistics from the elaborated module tree: parameters (unique tensors, a tied
// matrix once), FLOPs per token and KV-cache bytes per token, each counted exactly in bigint.
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { allWeights, walkInstances } from "../elaborate/instance.js";
import { resolvedArch } from "../pipeline.js";
import { binariesIn } from "../resolved/walk.js";
import { opCallsOf, resolvedBlockOf } from "../ops/bound-call.js";
import type { FlopsAt, OpCall } from "../ops/op-def.js";
import type { ResolvedArch, ResolvedExpr } from "../resolved/nodes.js";
import type { Sym } from "../shapes/sym.js";
import type { Value } from "../ir/model.js";
import { elementCount, exactInt, nearestInteger, ONE, plus, ratio, times, ZERO, type Ratio } from "./exact.js";

export interface ModuleStats {
  path: string;
  className: string;
  /** `exactParams` as a float (rounded past 2^53). */
  params: number;
  exactParams: bigint;
}

/** The counts exactly: a model with 2^40-wide layers has more parameters and FLOPs than a float counts. */
export interface ExactCounts {
  params: bigint;
  nonEmbeddingParams: bigint;
  /** Exact; with MoE shares (top_k of E experts) that leave a fraction, the nearest integer. */
  flopsPerToken: bigint;
  kvCacheBytesPerToken: bigint;
}

/** The counts as floats (exact up to 2^53, the nearest float past it); `exact` has them exactly. */
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

const exactSum = (ws: { shape: number[] }[]) => ws.reduce((a, w) => a + elementCount(w.shape), 0n);

/** The context length FLOPs per token are counted at unless the caller gives one. */
export const DEFAULT_FLOPS_CONTEXT = 2048;

export function computeStats(m: ElaboratedModel, at: FlopsAt = { context: DEFAULT_FLOPS_CONTEXT }): ModelStats {
  const tiedTargets = new Set(m.ties.map((t) => t.target));
  // Stored buffers (rotary inv_freq) are checkpoint tensors, not parameters.
  for (const inst of walkInstances(m.root)) if (inst.primitive?.stats.weightKind === "buffer") for (const w of inst.weights) tiedTargets.add(w.name);
  const weights = allWeights(m.root).filter((w) => !tiedTargets.has(w.name));
  let embedding = 0n;
  // A sum of FLOPs times shares (an expert runs for top_k / E of the tokens): a fraction until the end.
  let flops: Ratio = ZERO;
  const resolved = resolvedArch(m.config.arch);
  const callsByInstance = opCalls(m, resolved);
  const calls = [...callsByInstance.values()].flat();
  const shares = sparseShares(calls);
  const visit = (inst: Instance, outer: Ratio): void => {
    const share = shares.get(inst.path) ?? outer;
    let own = 0n;
    if (inst.primitive) {
      if (inst.primitive.stats.weightKind === "embedding") embedding += exactSum(inst.weights);
      own += inst.primitive.stats.flopsPerToken(inst.weights);
    }
    for (const c of callsByInstance.get(inst) ?? []) own += c.def.stats.flopsPerToken?.(c, at) ?? 0n;
    if (inst.kind === "block") own += weightProductFlops(inst, resolved, m.config.values);
    if (own !== 0n) flops = plus(flops, times(ratio(own), share));
    for (const c of inst.children) visit(c, share);
  };
  visit(m.root, ONE);
  const params = exactSum(weights);
  const modules: ModuleStats[] = [];
  for (const inst of walkInstances(m.root)) {
    if (inst.path === "") continue;
    if (inst.path.split(".").length > 3) continue;
    const mine = exactSum(allWeights(inst).filter((w) => !tiedTargets.has(w.name)));
    modules.push({ path: inst.path, className: inst.className, params: Number(mine), exactParams: mine });
  }
  const exact: ExactCounts = {
    params,
    nonEmbeddingParams: params - embedding,
    flopsPerToken: nearestInteger(flops),
    kvCacheBytesPerToken: calls.reduce((a, c) => a + (c.def.stats.kvBytesPerToken?.(c) ?? 0n), 0n),
  };
  return {
    model: m.config.arch.name,
    ...(m.config.preset ? { preset: m.config.preset } : {}),
    params: Number(exact.params),
    nonEmbeddingParams: Number(exact.nonEmbeddingParams),
    flopsPerToken: Number(exact.flopsPerToken),
    context: at.context,
    kvCacheBytesPerToken: Number(exact.kvCacheBytesPerToken),
    modules,
    exact,
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
function weightProductFlops(inst: Instance, resolved: ResolvedArch, config: ReadonlyMap<string, Value>): bigint {
  const body = resolvedBlockOf(resolved, inst)?.forward?.body;
  if (!body) return 0n;
  const values = new Map<string, Value>([...config, ...Object.entries(inst.args)]);
  const size = (s: Sym): bigint | undefined => exactInt(s.evaluate((n) => (typeof values.get(n) === "number" ? (values.get(n) as number) : undefined)));
  const matrix = (e: ResolvedExpr): bigint | undefined => {
    const t = e.type;
    if (t?.kind !== "tensor" || t.dims.length !== 2) return undefined;
    const [r, c] = [size(t.dims[0]!), size(t.dims[1]!)];
    return r !== undefined && c !== undefined ? r * c : undefined;
  };
  let flops = 0n;
  for (const b of binariesIn(body)) {
    if (b.op !== "@") continue;
    const w = matrix(b.right) ?? matrix(b.left);
    if (w !== undefined) flops += 2n * w;
  }
  return flops;
}

// Module lists of which each token runs a share (moe: top_k of E experts): instance path → share.
function sparseShares(calls: OpCall[]): Map<string, Ratio> {
  const out = new Map<string, Ratio>();
  for (const c of calls) {
    const s = c.def.stats.sparseSubmodules?.(c);
    if (s) out.set(s.list.path, s.share);
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
