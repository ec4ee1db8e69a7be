// A layer's anatomy, read off its dataflow graph: the two sublayers (token mixing and the
// MLP), the norms by position (before a sublayer, on the residual stream, after a sublayer,
// inside attention), parallel or sequential residual structure, attention's projections
// fused or separate (with the row ranges of a fused one), the MLP gated or not, routed
// experts and a shared expert with its gate. Each finding is a role for a module and an
// aspect in words.
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import type { Anatomy, Aspect } from "./anatomy-types.js";
import { buildGraph, type FlowGraph, type FlowNode } from "./layer-graph.js";
import { activationOf, ancestors, isActivation, isAttention, isNorm, isProjection, isRouting, mlpShape, mlpWords, normKind, plural, projectionRoles, reach, sourceOf, under } from "./flow-reading.js";

/** What reading one layer needs: its graph, each node's ancestors, and where roles and aspects go. */
interface LayerReading {
  m: ElaboratedModel;
  layer: Instance;
  g: FlowGraph;
  anc: Set<number>[];
  /** The role path of the layer list (`layers`; `decoder_layers` for an encoder-decoder's second stack). */
  prefix: string;
  /** Gives a node of the layer a role (and its module the role path `<prefix>.*.<role>`). */
  role(n: FlowNode, r: string): void;
  setRole(path: string, role: string): void;
  aspects: Map<string, Aspect>;
}

/** The two sublayers: the token-mixing op(s), and the MLP's nonlinearities and routers outside attention's block. */
interface Sublayers {
  attention: FlowNode[];
  /** The token-mixing ops of a sublayer after attention's (cross-attention), also in `attention`. */
  cross: FlowNode[];
  mlp: FlowNode[];
  attnBlock?: string;
  crossBlock?: string;
}

export function describeLayer(m: ElaboratedModel, layer: Instance, count: number, setRole: (p: string, r: string) => void, out: Anatomy, prefix = "layers"): void {
  const g = buildGraph(m, layer);
  const nodeRoles = new Map<number, string>();
  const r: LayerReading = {
    m,
    layer,
    g,
    anc: ancestors(g),
    prefix,
    role: (n, role) => {
      nodeRoles.set(n.id, role);
      if (n.instance) setRole(n.instance.path, `${prefix}.*.${role}`);
    },
    setRole,
    aspects: out.aspects,
  };
  const subs = sublayers(r);
  const norms = normsByPosition(r, subs);
  residualAspect(r, subs, norms);
  qkvAspect(r, subs);
  mlpAspect(r, subs);
  out.layer = { className: layer.className, count, graph: g, nodeRoles };
}

function sublayers(r: LayerReading): Sublayers {
  const { g, anc, layer } = r;
  // The layer's child a node belongs to; an item of a list of different sublayers (T5's layer.0, layer.1) counts as the child.
  const childOfLayer = (path: string) => {
    if (path === layer.path) return undefined;
    const [first, second] = path.slice(layer.path.length + 1).split(".");
    return `${layer.path}.${first}${second !== undefined && /^\d+$/.test(second) ? `.${second}` : ""}`;
  };
  const attention = g.nodes.filter(isAttention);
  const attnBlock = attention[0] ? childOfLayer(attention[0].owner.path) : undefined;
  const mlp = g.nodes.filter((n) => (isActivation(n) || isRouting(n)) && !attention.some((a) => anc[a.id]!.has(n.id)) && !attention.some((a) => { const b = childOfLayer(a.owner.path); return b !== undefined && under(n.path, b); }));
  const mlpBlocks = new Set(mlp.map((n) => childOfLayer(n.owner.path)));
  const mlpBlock = mlpBlocks.size === 1 ? [...mlpBlocks][0] : undefined;
  // A sublayer that is an item of a list (T5's layer.0: a norm, the attention block and a
  // residual add) is the attention's or MLP's sublayer; the one module inside it that holds
  // what the sublayer computes is the attention or the MLP.
  const roleBlock = (block: string, nodes: FlowNode[], role: string) => {
    if (!/\.\d+$/.test(block)) return r.setRole(block, `${r.prefix}.*.${role}`);
    r.setRole(block, `${r.prefix}.*.${role}_sublayer`);
    const inner = new Set(nodes.map((n) => n.owner.path.slice(block.length + 1).split(".")[0]));
    const [only] = inner;
    if (inner.size === 1 && only) r.setRole(`${block}.${only}`, `${r.prefix}.*.${role}`);
  };
  // Attention in a sublayer of its own after the first (a decoder's cross-attention over the encoder's output).
  const crossBlocks = new Set(attention.map((a) => childOfLayer(a.owner.path)).filter((b) => b !== attnBlock));
  const [crossBlock] = crossBlocks;
  const cross = crossBlocks.size === 1 && crossBlock ? attention.filter((a) => under(a.owner.path, crossBlock)) : [];
  if (attnBlock) roleBlock(attnBlock, attention.filter((a) => under(a.owner.path, attnBlock)), "attention");
  if (crossBlock && cross.length) roleBlock(crossBlock, cross, "cross_attention");
  if (mlpBlock) roleBlock(mlpBlock, mlp, "mlp");
  for (const a of attention) if (!cross.includes(a)) r.role(a, "attention");
  for (const a of cross) r.role(a, "cross_attention");
  return { attention, cross, mlp, ...(attnBlock ? { attnBlock } : {}), ...(crossBlock && cross.length ? { crossBlock } : {}) };
}

interface Norms {
  /** Before a sublayer, off the residual stream. */
  pre: FlowNode[];
  /** On the residual stream. */
  post: FlowNode[];
  /** After a sublayer, before its residual add (sandwich). */
  after: FlowNode[];
  kinds: string;
  /** The residual stream: what connects input to output without passing through a sublayer. */
  stream: Set<number>;
}

function normsByPosition(r: LayerReading, s: Sublayers): Norms {
  const { g, anc } = r;
  const core = new Set([...s.attention, ...s.mlp].map((n) => n.id));
  // A projection is never part of the stream: a gated MLP's up projection bypasses its activation.
  const blocked = (n: FlowNode) => core.has(n.id) || isProjection(n);
  const stream = new Set([...reach(g, g.inputs.slice(0, 1), true, blocked)].filter((i) => reach(g, g.output, false, blocked).has(i)));
  const unprojected = reach(g, g.inputs.slice(0, 1), true, blocked);
  const depends = (id: number, set: FlowNode[]) => set.some((x) => anc[id]!.has(x.id));
  // The sublayers a node feeds directly, not through another sublayer.
  const feeds = (n: FlowNode, set: FlowNode[]) => {
    const hit = new Set<number>();
    for (const i of reach(g, [n.id], true, (x) => x.id !== n.id && core.has(x.id))) for (const c of g.nodes) if (core.has(c.id) && c.inputs.includes(i)) hit.add(c.id);
    return set.some((x) => hit.has(x.id));
  };
  const out: Norms = { pre: [], post: [], after: [], kinds: "", stream };
  const kinds = new Set<string>();
  for (const n of g.nodes.filter(isNorm)) {
    kinds.add(normKind(n));
    const [feedsA, feedsM] = [feeds(n, s.attention), feeds(n, s.mlp)];
    const [afterA, afterM] = [depends(n.id, s.attention), depends(n.id, s.mlp)];
    if (stream.has(n.id)) {
      out.post.push(n);
      r.role(n, afterM ? "post_mlp_norm" : afterA ? "post_attention_norm" : "input_norm");
    } else if (unprojected.has(n.id) && (feedsA || feedsM)) {
      out.pre.push(n);
      const onlyCross = s.cross.length > 0 && feeds(n, s.cross) && !feeds(n, s.attention.filter((a) => !s.cross.includes(a)));
      r.role(n, feedsA && feedsM ? "shared_norm" : onlyCross ? "cross_attention_norm" : feedsA ? "attention_norm" : "mlp_norm");
    } else if (afterA || afterM) {
      out.after.push(n);
      r.role(n, afterM ? "mlp_output_norm" : "attention_output_norm");
    } else {
      // Inside attention: a norm of q or k (qk-norm).
      const a = s.attention[0];
      const which = a ? ["q", "k", "v"].find((_, i) => a.inputs[i] !== undefined && (a.inputs[i] === n.id || anc[a.inputs[i]!]!.has(n.id))) : undefined;
      r.role(n, which ? `attention.${which}_norm` : "inner_norm");
    }
  }
  out.kinds = [...kinds].sort().join(" and ") || "norm";
  const { pre, post, after } = out;
  const placement = pre.length && !post.length && !after.length ? "pre-norm" : !pre.length && post.length ? "post-norm" : pre.length && after.length ? "pre- and post-sublayer norms (sandwich)" : pre.length && post.length ? "pre-norm and post-norm" : "no norm";
  const detail =
    placement === "pre-norm" ? `pre-norm: ${plural(pre.length, out.kinds)} before the sublayers, the residual stream left unnormalised`
    : placement === "post-norm" ? `post-norm: ${plural(post.length, out.kinds)} on the residual stream after the residual adds`
    : `${placement}: ${pre.length} before, ${post.length} on the residual stream, ${after.length} after the sublayers`;
  if (pre.length + post.length + after.length) r.aspects.set("norm placement", { short: placement, detail });
  return out;
}

/** Parallel or sequential sublayers, from which norms, and the residual adds that join them to the stream. */
function residualAspect(r: LayerReading, s: Sublayers, norms: Norms): void {
  const { g, anc } = r;
  const core = [...s.attention, ...s.mlp];
  const depends = (id: number, set: FlowNode[]) => set.some((x) => anc[id]!.has(x.id));
  const adds = g.nodes.filter((n) => n.kind === "add" && norms.stream.has(n.id) && n.inputs.some((i) => core.some((c) => c.id === i || anc[i]!.has(c.id))));
  const addWords = plural(adds.length, "residual add");
  if (!s.attention.length || !s.mlp.length) {
    if (core.length) r.aspects.set("residual", { short: s.attention.length ? "attention only" : "MLP only", detail: `${s.attention.length ? "attention" : "MLP"} only; ${addWords}` });
    return;
  }
  const { pre, post, kinds } = norms;
  const parallel = !s.mlp.some((c) => depends(c.id, s.attention)) && !s.attention.some((a) => depends(a.id, s.mlp));
  const from = pre.length === 0 ? "" : parallel ? (pre.length === 1 ? ` from one ${kinds}` : ` from ${plural(pre.length, kinds)}`) : pre.length >= 2 ? `, each after its own ${kinds}` : "";
  const postWords = post.length ? `, ${plural(post.length, kinds)} on the residual stream` : "";
  r.aspects.set("residual", {
    short: parallel ? "parallel residual" : "sequential residual",
    detail: `${parallel ? "attention and MLP in parallel" : "attention, then MLP"}${from}${postWords}; ${addWords}`,
  });
}

/** Attention's projections: one fused matrix split into row ranges, or separate ones; and the output projection. */
function qkvAspect(r: LayerReading, s: Sublayers): void {
  const self = s.attention.filter((a) => !s.cross.includes(a));
  if (self.length) projections(r, self, "attention", s.attnBlock, "qkv projection");
  // Cross-attention's projections take roles of their own (its q reads the layer, its k and v the encoder's output).
  if (s.cross.length) projections(r, s.cross, "cross_attention", s.crossBlock, "cross-attention qkv projection");
}

/**
 * One attention's q/k/v projections (fused or separate), read off its first mixing op, and its
 * output projection, the first after all of them (Mamba's x_proj, between its convolution and
 * its scan, is not), as roles under `role` and an aspect.
 */
function projections(r: LayerReading, mixing: FlowNode[], role: string, block: string | undefined, aspect: string): void {
  const { g, anc } = r;
  const a = mixing[0]!;
  const [q, k, v] = [0, 1, 2].map((i) => sourceOf(g, a.inputs[i]));
  const name = (x: { proj: FlowNode }) => x.proj.instance?.name ?? "?";
  const rows = (x: { part?: FlowNode["part"] }, what: string) => (x.part?.from !== undefined ? `${what} ${x.part.from}–${x.part.to}` : what);
  if (q && k && v) {
    if (q.proj === k.proj && k.proj === v.proj) {
      // The split's sizes cover one group of rows; the projection may hold several (one per kv head group).
      const outF = Number(q.proj.instance?.args.out_features);
      const width = Math.max(...[q, k, v].map((x) => x.part?.to ?? 0));
      const groups = width > 0 && outF > width && outF % width === 0 ? outF / width : 1;
      r.role(q.proj, `${role}.qkv`);
      r.aspects.set(aspect, { short: "fused qkv projection", detail: `fused ${name(q)}: rows ${[rows(q, "q"), rows(k, "k"), rows(v, "v")].join(", ")}${groups > 1 ? ` within each of ${groups} groups of ${width}` : ""}` });
    } else if (k.proj === v.proj) {
      r.role(q.proj, `${role}.q`);
      r.role(k.proj, `${role}.kv`);
      r.aspects.set(aspect, { short: "separate q, fused kv projection", detail: `separate ${name(q)}, fused ${name(k)}: rows ${rows(k, "k")}, ${rows(v, "v")}` });
    } else {
      r.role(q.proj, `${role}.q`);
      r.role(k.proj, `${role}.k`);
      r.role(v.proj, `${role}.v`);
      r.aspects.set(aspect, { short: "separate q, k, v projections", detail: `separate ${name(q)}, ${name(k)}, ${name(v)}` });
    }
  }
  const o = g.nodes.find((n) => isProjection(n) && mixing.every((x) => anc[n.id]!.has(x.id)) && (!block || under(n.path, block)));
  if (o) r.role(o, `${role}.o`);
}

/**
 * A gated MLP's gate and up projections: one matrix whose rows are split into the two (Phi-3's
 * gate_up_proj), or two matrices. Set only for gated MLPs; a plain MLP has no such choice.
 */
function gateUpAspect(r: LayerReading, act: FlowNode): void {
  const { g, anc } = r;
  const gate = sourceOf(g, act.inputs[0]);
  const mul = g.nodes.find((n) => n.kind === "mul" && (anc[n.id]!.has(act.id) || n.inputs.includes(act.id)));
  const other = mul?.inputs.map((i) => g.nodes[i]!).find((n) => n.id !== act.id && !anc[n.id]!.has(act.id));
  const up = other && sourceOf(g, other.id);
  if (!gate || !up) return;
  const name = (x: { proj: FlowNode }) => x.proj.instance?.name ?? "?";
  if (gate.proj !== up.proj) {
    r.aspects.set("mlp projection", { short: "separate gate and up projections", detail: `separate ${name(gate)}, ${name(up)}` });
    return;
  }
  // A chunk into equal parts gives no sizes: each part is out_features / parts rows.
  const outF = Number(gate.proj.instance?.args.out_features);
  const rows = (x: { part?: FlowNode["part"] }, what: string) => {
    const p = x.part;
    if (p?.from !== undefined) return `${what} ${p.from}–${p.to}`;
    const each = p && Number.isInteger(outF / p.of) ? outF / p.of : undefined;
    return p && each ? `${what} ${p.index * each}–${(p.index + 1) * each}` : what;
  };
  r.role(gate.proj, "mlp.gate_up");
  r.aspects.set("mlp projection", { short: "fused gate/up projection", detail: `fused ${name(gate)}: rows ${rows(gate, "gate")}, ${rows(up, "up")}` });
}

/** The MLP: dense (gated or not), or routed experts with perhaps a shared expert. */
function mlpAspect(r: LayerReading, s: Sublayers): void {
  const { g, anc } = r;
  const acts = s.mlp.filter(isActivation);
  const router = s.mlp.find(isRouting);
  if (!router) {
    const shape = mlpShape(g, anc, acts);
    if (!shape) return;
    r.aspects.set("mlp", { short: mlpWords(shape), detail: mlpWords(shape) });
    if (acts[0]!.instance) r.role(acts[0]!, "mlp.act");
    if (shape.gated) gateUpAspect(r, acts[0]!);
    projectionRoles(g, anc, acts, shape.gated, (n, x) => r.role(n, `mlp.${x}`));
    return;
  }
  const list = router.submodules[0];
  // Fused experts (DBRX): one block holds every expert's weights, and its forward is one expert.
  const fused = router.bound?.def.diff.fusedExperts?.(router.bound);
  const expert = fused ? fused.block : list?.children[0];
  const fusedCount = fused ? router.bound!.def.diff.meanings?.(router.bound!)[fused.count] : undefined;
  const count = fused ? (fusedCount && router.bound!.size(fusedCount)) : list?.children.length;
  const eg = expert?.block?.forward ? buildGraph(r.m, expert) : undefined;
  const shape = eg ? mlpShape(eg, ancestors(eg), eg.nodes.filter(isActivation)) : undefined;
  if (list) r.setRole(list.path, `${r.prefix}.*.mlp.experts`);
  if (eg && shape) projectionRoles(eg, ancestors(eg), eg.nodes.filter(isActivation), shape.gated, (n, x) => n.instance && r.setRole(n.instance.path, `${r.prefix}.*.mlp.experts.*.${x}`));
  const logits = sourceOf(g, router.inputs[1]);
  if (logits) r.role(logits.proj, "mlp.router");
  const words = shape ? mlpWords(shape) : "MLP";
  r.aspects.set("mlp", { short: `mixture of ${words} experts`, detail: `routed experts: ${count ?? "?"} × ${words}` });
  sharedExpert(r, acts.filter((x) => !anc[x.id]!.has(router.id) && !anc[router.id]!.has(x.id)));
}

/** A shared expert: nonlinearities beside the routed experts, its output perhaps scaled by a gate of its own (sigmoid of a projection). */
function sharedExpert(r: LayerReading, shared: FlowNode[]): void {
  const { g, anc } = r;
  if (!shared.length) return;
  // The gate: a product of the shared MLP's output projection with a nonlinearity that does not feed it.
  const full = (x: FlowNode) => isProjection(x) && shared.some((c) => anc[x.id]!.has(c.id));
  const gating = (x: FlowNode, other: FlowNode) => isActivation(x) && !anc[other.id]!.has(x.id);
  const gate = g.nodes.find((n) => {
    if (n.kind !== "mul" || n.inputs.length !== 2) return false;
    const [x, y] = n.inputs.map((i) => g.nodes[i]!) as [FlowNode, FlowNode];
    return (full(x) && gating(y, x)) || (full(y) && gating(x, y));
  });
  const gateAct = gate?.inputs.map((i) => g.nodes[i]!).find(isActivation);
  const gateProj = gateAct ? sourceOf(g, gateAct.inputs[0]) : undefined;
  const shape = mlpShape(g, anc, shared.filter((x) => x !== gateAct));
  const gateWords = gateAct ? ` scaled by ${activationOf(gateAct)}(${gateProj?.proj.instance?.name ?? "a projection"})` : "";
  r.aspects.set("shared expert", { short: gateAct ? `shared expert with ${activationOf(gateAct)} gate` : "shared expert", detail: `a shared ${shape ? mlpWords(shape) : "MLP"} beside the routed experts${gateWords}` });
}
