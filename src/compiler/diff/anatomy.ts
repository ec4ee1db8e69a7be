// What each part of a model is for, read off its dataflow rather than its names: the token
// and position embeddings, the layer list, the final norm and the head; inside the layer,
// attention with its projections (fused or not), the MLP (gated or not, routed experts, a
// shared expert), and the norms by where they sit (before a sublayer, on the residual
// stream, after a sublayer). Two models are then aligned by these roles, and their layers
// compared as aspects in words.
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { checkedArch } from "../pipeline.js";
import type { Annotations } from "../check/types.js";
import { formatValue } from "../eval/evaluate.js";
import { buildGraph, type FlowGraph, type FlowNode } from "./layer-graph.js";
import { opRole } from "./op-meaning.js";

/** A described feature of a layer: a short name for summaries and a sentence for the report. */
export interface Aspect {
  short: string;
  detail: string;
}

export interface Anatomy {
  /** Module path with list indices as `*` → its role path (`model.layers.*.self_attn` → `layers.*.attention`). */
  roles: Map<string, string>;
  /** Aspect name → description, in a fixed order. */
  aspects: Map<string, Aspect>;
  /** Paths (indices as `*`) of the primitive modules the executed forward calls. */
  called: Set<string>;
  /** The first layer's graph with the role of each node that has one. */
  layer?: { className: string; count: number; graph: FlowGraph; nodeRoles: Map<number, string> };
}

const starred = (path: string) => path.replace(/\.\d+(?=\.|$)/g, ".*");
const under = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}.`);

const roleOf = (n: FlowNode) => (n.kind === "op" ? opRole(n.what) : undefined);
const isNorm = (n: FlowNode) => (n.kind === "module" && /Norm$/.test(n.instance?.primitive?.name ?? "")) || roleOf(n) === "norm";
const isProjection = (n: FlowNode) => n.kind === "module" && n.instance?.primitive?.apply.kind === "features";
const isLookup = (n: FlowNode) => n.kind === "module" && n.instance?.primitive?.apply.kind === "lookup";
const isActivation = (n: FlowNode) => (n.kind === "module" && n.instance?.primitive?.name === "Activation") || roleOf(n) === "activation";
const isAttention = (n: FlowNode) => roleOf(n) === "mixing";
const isRouting = (n: FlowNode) => roleOf(n) === "routing";

const activationNames: Record<string, string> = {
  silu: "SiLU",
  swish: "SiLU",
  gelu: "GELU",
  gelu_new: "GELU (tanh)",
  gelu_pytorch_tanh: "GELU (tanh)",
  gelu_tanh: "GELU (tanh)",
  relu: "ReLU",
  relu2: "squared ReLU",
  sigmoid: "sigmoid",
  tanh: "tanh",
};

function activationOf(n: FlowNode): string {
  const kind = n.instance?.args.kind ?? n.args.kind ?? n.what;
  const k = typeof kind === "string" ? kind : formatValue(kind);
  return activationNames[k] ?? k;
}

function normKind(n: FlowNode): string {
  const p = n.instance?.primitive?.name;
  const a = n.instance?.args ?? {};
  if (!p) return n.features.find((f) => f.column === "norm")?.label ?? n.what;
  if (p === "RMSNorm") return Number(a.offset) ? `RMSNorm (1 + w)` : a.affine === false ? "RMSNorm without weight" : "RMSNorm";
  if (p === "LayerNorm") return a.affine === false ? "LayerNorm without affine" : a.bias === false ? "LayerNorm without bias" : "LayerNorm";
  return p;
}

/** Transitive inputs of every node (node ids are in evaluation order, so one pass suffices). */
function ancestors(g: FlowGraph): Set<number>[] {
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
function reach(g: FlowGraph, from: number[], forward: boolean, blocked: (n: FlowNode) => boolean): Set<number> {
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

const plural = (n: number, one: string, many = `${one}s`) => `${n === 1 ? "one" : n === 2 ? "two" : String(n)} ${n === 1 ? one : many}`;

/** The MLP's shape in a graph region: gated or not, and its activation. */
function mlpShape(g: FlowGraph, anc: Set<number>[], acts: FlowNode[]): { gated: boolean; act: string } | undefined {
  if (!acts.length) return undefined;
  const actIds = new Set(acts.map((a) => a.id));
  const hasAct = (id: number) => actIds.has(id) || [...actIds].some((a) => anc[id]!.has(a));
  // Gated: a product of an activated branch and a projected one that skips the activation.
  const gated = g.nodes.some((n) => n.kind === "mul" && n.inputs.length === 2 && hasAct(n.inputs[0]!) !== hasAct(n.inputs[1]!) && n.inputs.some((i) => !hasAct(i) && (isProjection(g.nodes[i]!) || [...anc[i]!].some((x) => isProjection(g.nodes[x]!)))));
  return { gated, act: [...new Set(acts.map(activationOf))].join(", ") };
}

const mlpWords = (s: { gated: boolean; act: string }) => `${s.gated ? "gated " : ""}${s.act} MLP`;

/** Follows a tensor back through layout ops, parts and norms to the projection that made it. */
function sourceOf(g: FlowGraph, id: number | undefined): { proj: FlowNode; part?: FlowNode["part"] } | undefined {
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

export function anatomyOf(m: ElaboratedModel): Anatomy {
  const { annotations } = checkedArch(m.config.arch);
  const out: Anatomy = { roles: new Map(), aspects: new Map(), called: new Set() };
  const rootGraph = buildGraph(m, m.root, annotations);
  for (const n of rootGraph.nodes) if (n.instance) out.called.add(starred(n.instance.path));
  const list = rootGraph.loops[0];
  const layer = list?.children[0];
  const setRole = (path: string, role: string) => {
    const p = starred(path);
    if (!out.roles.has(p) && ![...out.roles.values()].includes(role)) out.roles.set(p, role);
  };
  if (list && layer) {
    setRole(list.path, "layers");
    const parent = list.path.includes(".") ? list.path.slice(0, list.path.lastIndexOf(".")) : "";
    if (parent) setRole(parent, "backbone");
  }
  describeRoot(rootGraph, list?.path, setRole, out);
  if (layer?.block?.forward) describeLayer(m, layer, list!.children.length, annotations, setRole, out);
  // Position encoding, in the feature table's words: what every op of the executed forward says about positions.
  const layerGraph = out.layer?.graph;
  const positions = new Set<string>();
  for (const g of [rootGraph, ...(layerGraph ? [layerGraph] : [])]) for (const n of g.nodes) for (const f of n.features) if (f.column === "positions") positions.add(f.label);
  const pos = positions.size ? `${[...positions].sort().join(" and ")} positions` : "no position encoding";
  out.aspects.set("positions", { short: pos, detail: pos });
  // Every norm in the model, the final one included.
  const norms = new Set(rootGraph.nodes.filter(isNorm).map(normKind));
  out.aspects.set("norm", { short: norms.size ? [...norms].sort().join(" and ") : "no norm", detail: norms.size ? [...norms].sort().join(" and ") : "no norm" });
  return out;
}

function describeRoot(g: FlowGraph, layersPath: string | undefined, setRole: (p: string, r: string) => void, out: Anatomy): void {
  const anc = ancestors(g);
  const inLayers = (n: FlowNode) => layersPath !== undefined && under(n.path, layersPath);
  const afterLayers = (n: FlowNode) => !inLayers(n) && [...anc[n.id]!].some((i) => inLayers(g.nodes[i]!));
  for (const n of g.nodes) {
    if (!isLookup(n) || inLayers(n) || !n.instance) continue;
    const src = g.nodes[n.inputs[0] ?? -1];
    const role = src?.kind === "input" ? (src.id === g.inputs[0] ? "token_embedding" : `${src.what}_embedding`) : (src && roleOf(src) === "positions") || src?.kind === "op" ? "position_embedding" : undefined;
    if (role) setRole(n.instance.path, role);
    if (role === "token_embedding" && n.owner.path && !(layersPath && under(layersPath, n.owner.path))) setRole(n.owner.path, "embeddings");
  }
  const finalNorm = g.nodes.find((n) => isNorm(n) && n.instance && afterLayers(n));
  if (finalNorm?.instance) setRole(finalNorm.instance.path, "final_norm");
  const outs = new Set(g.output.flatMap((o) => [o, ...anc[o]!]));
  const heads = g.nodes.filter((n) => isProjection(n) && afterLayers(n) && outs.has(n.id));
  const head = heads[heads.length - 1];
  if (head?.instance) setRole(head.instance.path, "head");
}

function describeLayer(m: ElaboratedModel, layer: Instance, count: number, ann: Annotations, setRole: (p: string, r: string) => void, out: Anatomy): void {
  const g = buildGraph(m, layer, ann);
  const anc = ancestors(g);
  const nodeRoles = new Map<number, string>();
  const role = (n: FlowNode, r: string) => {
    nodeRoles.set(n.id, r);
    if (n.instance) setRole(n.instance.path, `layers.*.${r}`);
  };
  const depends = (id: number, set: FlowNode[]) => set.some((s) => anc[id]!.has(s.id));
  // The layer's child a node belongs to; an item of a list of different sublayers (T5's layer.0, layer.1) counts as the child.
  const childOfLayer = (path: string) => {
    if (path === layer.path) return undefined;
    const [first, second] = path.slice(layer.path.length + 1).split(".");
    return `${layer.path}.${first}${second !== undefined && /^\d+$/.test(second) ? `.${second}` : ""}`;
  };
  // Items of a heterogeneous list share one starred path: they get no role path of their own.
  const roleable = (path: string) => !/\.\d+(\.|$)/.test(path.slice(layer.path.length));

  const attention = g.nodes.filter(isAttention);
  const attnBlock = attention[0] ? childOfLayer(attention[0].owner.path) : undefined;
  const mlpCore = g.nodes.filter((n) => (isActivation(n) || isRouting(n)) && !attention.some((a) => anc[a.id]!.has(n.id)) && !(attnBlock && under(n.path, attnBlock)));
  const mlpBlocks = new Set(mlpCore.map((n) => childOfLayer(n.owner.path)));
  const mlpBlock = mlpBlocks.size === 1 ? [...mlpBlocks][0] : undefined;
  if (attnBlock && roleable(attnBlock)) setRole(attnBlock, "layers.*.attention");
  if (mlpBlock && roleable(mlpBlock)) setRole(mlpBlock, "layers.*.mlp");
  attention.forEach((a) => nodeRoles.set(a.id, "attention"));

  // The residual stream: what connects input to output without passing through a sublayer.
  // A projection is never part of the stream: a gated MLP's up projection bypasses its activation.
  const core = new Set([...attention, ...mlpCore].map((n) => n.id));
  const blocked = (n: FlowNode) => core.has(n.id) || isProjection(n);
  const stream = new Set([...reach(g, g.inputs.slice(0, 1), true, blocked)].filter((i) => reach(g, g.output, false, blocked).has(i)));
  const unprojected = reach(g, g.inputs.slice(0, 1), true, blocked);
  // The sublayers a node feeds directly, not through another sublayer.
  const feeds = (n: FlowNode, set: FlowNode[]) => {
    const hit = new Set<number>();
    for (const i of reach(g, [n.id], true, (x) => x.id !== n.id && core.has(x.id))) for (const c of g.nodes) if (core.has(c.id) && c.inputs.includes(i)) hit.add(c.id);
    return set.some((s) => hit.has(s.id));
  };

  // Norms by position.
  const pre: FlowNode[] = [];
  const post: FlowNode[] = [];
  const after: FlowNode[] = [];
  const normKinds = new Set<string>();
  for (const n of g.nodes.filter(isNorm)) {
    normKinds.add(normKind(n));
    const feedsA = feeds(n, attention);
    const feedsM = feeds(n, mlpCore);
    const afterM = depends(n.id, mlpCore);
    const afterA = depends(n.id, attention);
    if (stream.has(n.id)) {
      post.push(n);
      role(n, afterM ? "post_mlp_norm" : afterA ? "post_attention_norm" : "input_norm");
    } else if (unprojected.has(n.id) && (feedsA || feedsM)) {
      pre.push(n);
      role(n, feedsA && feedsM ? "shared_norm" : feedsA ? "attention_norm" : "mlp_norm");
    } else if (afterA || afterM) {
      after.push(n);
      role(n, afterM ? "mlp_output_norm" : "attention_output_norm");
    } else {
      const a = attention[0];
      const which = a ? ["q", "k", "v"].find((_, i) => a.inputs[i] !== undefined && (a.inputs[i] === n.id || anc[a.inputs[i]!]!.has(n.id))) : undefined;
      role(n, which ? `attention.${which}_norm` : "inner_norm");
    }
  }
  const kinds = [...normKinds].sort().join(" and ") || "norm";
  const placement = pre.length && !post.length && !after.length ? "pre-norm" : !pre.length && post.length ? "post-norm" : pre.length && after.length ? "pre- and post-sublayer norms (sandwich)" : pre.length && post.length ? "pre-norm and post-norm" : "no norm";
  const placementDetail =
    placement === "pre-norm" ? `pre-norm: ${plural(pre.length, kinds)} before the sublayers, the residual stream left unnormalised`
    : placement === "post-norm" ? `post-norm: ${plural(post.length, kinds)} on the residual stream after the residual adds`
    : `${placement}: ${pre.length} before, ${post.length} on the residual stream, ${after.length} after the sublayers`;
  if (pre.length + post.length + after.length) out.aspects.set("norm placement", { short: placement, detail: placementDetail });

  // Parallel or sequential sublayers, and the residual adds that join them to the stream.
  const adds = g.nodes.filter((n) => n.kind === "add" && stream.has(n.id) && n.inputs.some((i) => core.has(i) || [...core].some((c) => anc[i]!.has(c))));
  if (attention.length && mlpCore.length) {
    const parallel = !mlpCore.some((c) => depends(c.id, attention)) && !attention.some((a) => depends(a.id, mlpCore));
    const from = pre.length === 0 ? "" : parallel ? (pre.length === 1 ? ` from one ${kinds}` : ` from ${plural(pre.length, kinds)}`) : pre.length >= 2 ? `, each after its own ${kinds}` : "";
    const postWords = post.length ? `, ${plural(post.length, kinds)} on the residual stream` : "";
    out.aspects.set("residual", {
      short: parallel ? "parallel residual" : "sequential residual",
      detail: `${parallel ? "attention and MLP in parallel" : "attention, then MLP"}${from}${postWords}; ${plural(adds.length, "residual add")}`,
    });
  } else if (attention.length || mlpCore.length) out.aspects.set("residual", { short: attention.length ? "attention only" : "MLP only", detail: `${attention.length ? "attention" : "MLP"} only; ${plural(adds.length, "residual add")}` });

  // Attention's projections: one fused matrix split into row ranges, or separate ones.
  const a = attention[0];
  if (a) {
    const [q, k, v] = [0, 1, 2].map((i) => sourceOf(g, a.inputs[i]));
    const name = (s: { proj: FlowNode } | undefined) => s?.proj.instance?.name ?? "?";
    if (q && k && v) {
      const rows = (s: { part?: FlowNode["part"] }, what: string) => (s.part?.from !== undefined ? `${what} ${s.part.from}–${s.part.to}` : what);
      if (q.proj === k.proj && k.proj === v.proj) {
        const outF = Number(q.proj.instance?.args.out_features);
        const width = Math.max(...[q, k, v].map((s) => s.part?.to ?? 0));
        const groups = width > 0 && outF > width && outF % width === 0 ? outF / width : 1;
        role(q.proj, "attention.qkv");
        out.aspects.set("qkv projection", { short: "fused qkv projection", detail: `fused ${name(q)}: rows ${[rows(q, "q"), rows(k, "k"), rows(v, "v")].join(", ")}${groups > 1 ? ` within each of ${groups} groups of ${width}` : ""}` });
      } else if (k.proj === v.proj) {
        role(q.proj, "attention.q");
        role(k.proj, "attention.kv");
        out.aspects.set("qkv projection", { short: "separate q, fused kv projection", detail: `separate ${name(q)}, fused ${name(k)}: rows ${rows(k, "k")}, ${rows(v, "v")}` });
      } else {
        role(q.proj, "attention.q");
        role(k.proj, "attention.k");
        role(v.proj, "attention.v");
        out.aspects.set("qkv projection", { short: "separate q, k, v projections", detail: `separate ${name(q)}, ${name(k)}, ${name(v)}` });
      }
    }
    const o = g.nodes.find((n) => isProjection(n) && anc[n.id]!.has(a.id) && (!attnBlock || under(n.path, attnBlock)));
    if (o) role(o, "attention.o");
  }

  // The MLP: dense (gated or not), or routed experts with perhaps a shared expert.
  const routers = mlpCore.filter(isRouting);
  const acts = mlpCore.filter(isActivation);
  if (routers.length) {
    const r = routers[0]!;
    const experts = r.submodules[0]?.children[0];
    const eg = experts?.block?.forward ? buildGraph(m, experts, ann) : undefined;
    const shape = eg ? mlpShape(eg, ancestors(eg), eg.nodes.filter(isActivation)) : undefined;
    if (r.submodules[0]) setRole(r.submodules[0].path, "layers.*.mlp.experts");
    if (eg && shape) projectionRoles(eg, ancestors(eg), eg.nodes.filter(isActivation), shape.gated, (n, x) => n.instance && setRole(n.instance.path, `layers.*.mlp.experts.*.${x}`));
    const router = sourceOf(g, r.inputs[1]);
    if (router) role(router.proj, "mlp.router");
    out.aspects.set("mlp", { short: `mixture of ${shape ? mlpWords(shape) : "MLP"} experts`, detail: `routed experts: ${r.submodules[0]?.children.length ?? "?"} × ${shape ? mlpWords(shape) : "MLP"}` });
    // A shared expert: activations beside the routed ones, perhaps scaled by a gate of its own.
    const shared = acts.filter((x) => !anc[x.id]!.has(r.id) && !anc[r.id]!.has(x.id));
    if (shared.length) {
      const gate = g.nodes.find((n) => {
        if (n.kind !== "mul" || n.inputs.length !== 2) return false;
        const [x, y] = n.inputs.map((i) => g.nodes[i]!);
        const full = (s: FlowNode) => isProjection(s) && shared.some((c) => anc[s.id]!.has(c.id));
        const gating = (s: FlowNode, other: FlowNode) => (isActivation(s) ? s : undefined) && !anc[other.id]!.has(s.id);
        return (full(x!) && gating(y!, x!)) || (full(y!) && gating(x!, y!));
      });
      const gateAct = gate ? gate.inputs.map((i) => g.nodes[i]!).find(isActivation) : undefined;
      const gateProj = gateAct ? sourceOf(g, gateAct.inputs[0]) : undefined;
      const sharedShape = mlpShape(g, anc, shared.filter((x) => x !== gateAct));
      const gateWords = gateAct ? ` scaled by ${activationOf(gateAct)}(${gateProj?.proj.instance?.name ?? "a projection"})` : "";
      out.aspects.set("shared expert", { short: gateAct ? `shared expert with ${activationOf(gateAct)} gate` : "shared expert", detail: `a shared ${sharedShape ? mlpWords(sharedShape) : "MLP"} beside the routed experts${gateWords}` });
    }
  } else {
    const shape = mlpShape(g, anc, acts);
    if (shape) {
      out.aspects.set("mlp", { short: mlpWords(shape), detail: mlpWords(shape) });
      const act = acts[0]!;
      if (act.instance) role(act, "mlp.act");
      projectionRoles(g, anc, acts, shape.gated, (n, x) => role(n, `mlp.${x}`));
    }
  }
  out.layer = { className: layer.className, count, graph: g, nodeRoles };
}

/** The MLP's projections by what they do: `gate` feeds the activation of a gated MLP (else `up`), `up` the other factor, `down` takes the result. */
function projectionRoles(g: FlowGraph, anc: Set<number>[], acts: FlowNode[], gated: boolean, assign: (n: FlowNode, role: string) => void): void {
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

