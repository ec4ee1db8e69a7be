// What each part of a model is for, read off its dataflow rather than its names: the token
// and position embeddings, the layer list, the final norm and the head; inside the layer,
// attention with its projections (fused or not), the MLP (gated or not, routed experts, a
// shared expert), and the norms by where they sit (before a sublayer, on the residual
// stream, after a sublayer). Two models are then aligned by these roles, and their layers
// compared as aspects in words.
import type { ElaboratedModel } from "../elaborate/instance.js";
import { buildGraph, type FlowGraph, type FlowNode } from "./layer-graph.js";
import { ancestors, isLookup, isNorm, isProjection, normKind, roleOf, under } from "./flow-reading.js";
import { pathKeys } from "./path-keys.js";
import { describeLayer } from "./layer-anatomy.js";
import type { Anatomy } from "./anatomy-types.js";

export type { Anatomy, Aspect } from "./anatomy-types.js";

export function anatomyOf(m: ElaboratedModel): Anatomy {
  const keyOf = pathKeys(m.root);
  const out: Anatomy = { keyOf, roles: new Map(), aspects: new Map(), called: new Set() };
  const rootGraph = buildGraph(m, m.root);
  for (const n of rootGraph.nodes) if (n.instance) out.called.add(keyOf(n.instance.path));
  const list = rootGraph.loops[0];
  const layer = list?.children[0];
  const setRole = (path: string, role: string) => {
    const p = keyOf(path);
    if (!out.roles.has(p) && ![...out.roles.values()].includes(role)) out.roles.set(p, role);
  };
  if (list && layer) {
    setRole(list.path, "layers");
    const parent = list.path.includes(".") ? list.path.slice(0, list.path.lastIndexOf(".")) : "";
    if (parent) setRole(parent, "backbone");
  }
  describeRoot(rootGraph, list?.path, setRole, out);
  if (layer?.block?.forward) describeLayer(m, layer, list!.children.length, setRole, out);
  // An encoder-decoder's second stack (T5's decoder): its modules get roles under
  // `decoder_layers`, so that two such models align there too; the layer aspects are the first stack's.
  const second = rootGraph.loops.find((l) => list && l.path !== list.path && !under(l.path, list.path) && l.children[0]?.block?.forward);
  const secondLayer = second?.children[0];
  if (second && secondLayer) {
    setRole(second.path, "decoder_layers");
    describeLayer(m, secondLayer, second.children.length, setRole, { ...out, aspects: new Map() }, "decoder_layers");
  }
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
