// Reading a dataflow graph (layer-graph.ts): what kind of thing each node is (a norm, a
// projection, a nonlinearity, the token-mixing op, an expert router; a module's kind comes
// from its primitive's `diff.role`, an op's from the op's), what reaches what, and the
// shape of an MLP.
import { formatValue } from "../eval/evaluate.js";
import { activationWords, type PrimitiveRole } from "../ir/primitives.js";
import type { FlowGraph, FlowNode } from "./layer-graph.js";
import { opRole } from "./op-meaning.js";

export const under = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}.`);

export const roleOf = (n: FlowNode) => (n.kind === "op" ? opRole(n.what) : undefined);
/** The role of a module node's primitive (undefined for ops and blocks). */
export const moduleRole = (n: FlowNode): PrimitiveRole | undefined => (n.kind === "module" ? n.instance?.primitive?.diff.role : undefined);
export const isNorm = (n: FlowNode) => moduleRole(n) === "norm" || roleOf(n) === "norm";
export const isProjection = (n: FlowNode) => moduleRole(n) === "projection" || roleOf(n) === "projection";
export const isLookup = (n: FlowNode) => moduleRole(n) === "embedding";
export const isActivation = (n: FlowNode) => moduleRole(n) === "activation" || roleOf(n) === "activation";
export const isAttention = (n: FlowNode) => roleOf(n) === "mixing";
export const isRouting = (n: FlowNode) => roleOf(n) === "routing";

/** A nonlinearity in words: a module's from its primitive, an op's from its kind argument or name. */
export function activationOf(n: FlowNode): string {
  const p = n.instance?.primitive;
  if (p) return p.diff.kind(n.instance!.args);
  const kind = n.args.kind ?? n.what;
  return activationWords(typeof kind === "string" ? kind : formatValue(kind));
}

/** A norm's kind in words: a module's from its primitive, an op's from its feature label. */
export function normKind(n: FlowNode): string {
  const p = n.instance?.primitive;
  if (p) return p.diff.kind(n.instance!.args);
  return n.features.find((f) => f.column === "norm")?.label ?? n.what;
}

/** Transitive inputs of every node (node ids are in evaluation order, so one pass suffices). */
export function ancestors(g: FlowGraph): Set<number>[] {
  const anc: Set<number>[] = [];
  for (const n of g.nodes) {
    const s = new Set<number>();
    for (const i of n.inputs) {
      s.add(i);
      for (const x of anc[i] ?? []) s.add(x);
    }
    anc.push(s);
  }
  return anc;
}

/** Nodes reachable from `from` along edges (forward: consumers; else inputs) without entering `blocked`. */
export function reach(g: FlowGraph, from: number[], forward: boolean, blocked: (n: FlowNode) => boolean): Set<number> {
  const consumers = new Map<number, number[]>();
  for (const n of g.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n.id]);
  const seen = new Set<number>();
  const todo = from.filter((i) => !blocked(g.nodes[i]!));
  while (todo.length) {
    const i = todo.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const j of forward ? (consumers.get(i) ?? []) : g.nodes[i]!.inputs) if (!blocked(g.nodes[j]!)) todo.push(j);
  }
  return seen;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n === 1 ? "one" : n === 2 ? "two" : String(n)} ${n === 1 ? one : many}`;

/** The MLP's shape in a graph region: gated or not, and its activation. */
export function mlpShape(g: FlowGraph, anc: Set<number>[], acts: FlowNode[]): { gated: boolean; act: string } | undefined {
  if (!acts.length) return undefined;
  const actIds = new Set(acts.map((a) => a.id));
  const hasAct = (id: number) => actIds.has(id) || [...actIds].some((a) => anc[id]!.has(a));
  // Gated: a product of an activated branch and a projected one that skips the activation.
  const gated = g.nodes.some((n) => n.kind === "mul" && n.inputs.length === 2 && hasAct(n.inputs[0]!) !== hasAct(n.inputs[1]!) && n.inputs.some((i) => !hasAct(i) && (isProjection(g.nodes[i]!) || [...anc[i]!].some((x) => isProjection(g.nodes[x]!)))));
  return { gated, act: [...new Set(acts.map(activationOf))].join(", ") };
}

export const mlpWords = (s: { gated: boolean; act: string }) => `${s.gated ? "gated " : ""}${s.act} MLP`;

/** Follows a tensor back through layout ops, parts and norms to the projection that made it. */
export function sourceOf(g: FlowGraph, id: number | undefined): { proj: FlowNode; part?: FlowNode["part"] } | undefined {
  let part: FlowNode["part"];
  for (let cur = id; cur !== undefined; ) {
    const n = g.nodes[cur]!;
    if (isProjection(n)) return { proj: n, ...(part ? { part } : {}) };
    if (n.kind === "part") part ??= n.part;
    else if (n.kind !== "op" && !isNorm(n)) return undefined;
    if (n.kind === "op" && (isAttention(n) || isRouting(n) || isActivation(n))) return undefined;
    cur = n.inputs[0];
  }
  return undefined;
}

/** The MLP's projections by what they do: `gate` feeds the activation of a gated MLP (else `up`), `up` the other factor, `down` takes the result. */
export function projectionRoles(g: FlowGraph, anc: Set<number>[], acts: FlowNode[], gated: boolean, assign: (n: FlowNode, role: string) => void): void {
  const act = acts[0];
  if (!act) return;
  const into = sourceOf(g, act.inputs[0]);
  if (into) assign(into.proj, gated ? "gate" : "up");
  if (gated) {
    const mul = g.nodes.find((n) => n.kind === "mul" && (anc[n.id]!.has(act.id) || n.inputs.includes(act.id)));
    const other = mul?.inputs.map((i) => g.nodes[i]!).find((n) => n.id !== act.id && !anc[n.id]!.has(act.id));
    const up = other && sourceOf(g, other.id)?.proj;
    if (up) assign(up, "up");
  }
  const down = g.nodes.find((n) => isProjection(n) && anc[n.id]!.has(act.id));
  if (down) assign(down, "down");
}
