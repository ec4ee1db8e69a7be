// What each part of a model is for, read off its dataflow rather than its names: the token
// and position embeddings, the layer list, the final norm and the head; inside the layer,
// attention with its projections (fused or not), the MLP (gated or not, routed experts, a
// shared expert), and the norms by where they sit (before a sublayer, on the residual
// stream, after a sublayer). Two models are then aligned by these roles, and their layers
// compared as aspects in words.
import { walkInstances, type ElaboratedModel, type Instance } from "../elaborate/instance.js";
import { buildGraph, type FlowGraph, type FlowNode } from "./layer-graph.js";
import { ancestors, isLookup, isNorm, isProjection, normKind, roleOf, under } from "./flow-reading.js";
import { pathKeys } from "./path-keys.js";
import { describeLayer } from "./layer-anatomy.js";
import type { Anatomy, Aspect } from "./anatomy-types.js";

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
  if (layer?.block?.forward) describeLayer(m, layer, list!.children.length, setRole, out);
  if (list) out.aspects.set("layer variation", layerVariation(list));
  // An encoder-decoder's second stack (T5's decoder): its modules get roles under
  // `decoder_layers`, so that two such models align there too, and its layer's aspects are
  // compared as `decoder <aspect>` (diff.ts states one only where it says more than the first stack's).
  const second = rootGraph.loops.find((l) => list && l.path !== list.path && !under(l.path, list.path) && l.children[0]?.block?.forward);
  const secondLayer = second?.children[0];
  const stacks = second && secondLayer ? "encoder and decoder stacks" : "one stack";
  out.aspects.set("stacks", { short: stacks, detail: second && secondLayer ? `an encoder stack, then a decoder stack with cross-attention over the encoder's output` : "one stack of layers" });
  if (second && secondLayer) {
    setRole(second.path, "decoder_layers");
    const parent = second.path.includes(".") ? second.path.slice(0, second.path.lastIndexOf(".")) : "";
    if (parent) setRole(parent, "decoder");
    const decoder = { ...out, aspects: new Map<string, Aspect>() };
    describeLayer(m, secondLayer, second.children.length, setRole, decoder, "decoder_layers");
    decoder.aspects.set("layer variation", layerVariation(second));
    for (const [k, v] of decoder.aspects) out.aspects.set(`decoder ${k}`, v);
  }
  describeRoot(rootGraph, list?.path, setRole, out, second?.path);
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

function describeRoot(g: FlowGraph, layersPath: string | undefined, setRole: (p: string, r: string) => void, out: Anatomy, decoderPath?: string): void {
  const anc = ancestors(g);
  const inLayers = (n: FlowNode) => layersPath !== undefined && under(n.path, layersPath);
  const inDecoder = (n: FlowNode) => decoderPath !== undefined && under(n.path, decoderPath);
  const afterLayers = (n: FlowNode) => !inLayers(n) && !inDecoder(n) && [...anc[n.id]!].some((i) => inLayers(g.nodes[i]!));
  // The decoder's own ends: the embedding that feeds its first layer without passing the
  // encoder, and the norm after its layers.
  const decoderNodes = g.nodes.filter(inDecoder);
  const feedsDecoder = (n: FlowNode) => decoderNodes.some((d) => anc[d.id]!.has(n.id)) && !g.nodes.some((e) => inLayers(e) && anc[e.id]!.has(n.id));
  const afterDecoder = (n: FlowNode) => !inDecoder(n) && decoderNodes.some((d) => anc[n.id]!.has(d.id));
  for (const n of g.nodes) {
    if (!isLookup(n) || inLayers(n) || inDecoder(n) || !n.instance) continue;
    const src = g.nodes[n.inputs[0] ?? -1];
    const decoderInput = decoderPath !== undefined && src?.kind === "input" && src.id !== g.inputs[0] && feedsDecoder(n);
    const role = decoderInput ? "decoder_token_embedding" : src?.kind === "input" ? (src.id === g.inputs[0] ? "token_embedding" : `${src.what}_embedding`) : (src && roleOf(src) === "positions") || src?.kind === "op" ? "position_embedding" : undefined;
    if (role) setRole(n.instance.path, role);
    if (role === "token_embedding" && n.owner.path && !(layersPath && under(layersPath, n.owner.path))) setRole(n.owner.path, "embeddings");
  }
  const finalNorm = g.nodes.find((n) => isNorm(n) && n.instance && afterLayers(n));
  if (finalNorm?.instance) setRole(finalNorm.instance.path, "final_norm");
  const decoderNorm = g.nodes.find((n) => isNorm(n) && n.instance && afterDecoder(n));
  if (decoderNorm?.instance) setRole(decoderNorm.instance.path, "decoder_final_norm");
  const outs = new Set(g.output.flatMap((o) => [o, ...anc[o]!]));
  const heads = g.nodes.filter((n) => isProjection(n) && afterLayers(n) && outs.has(n.id));
  const head = heads[heads.length - 1];
  if (head?.instance) setRole(head.instance.path, "head");
}

/**
 * Modules some layers of a list hold and others do not (T5's relative-position table, in the
 * first layer of each stack only), in words: the diff compares this once instead of listing
 * the layers that lack them one by one.
 */
function layerVariation(list: Instance): Aspect {
  const n = list.children.length;
  const held = new Map<string, { text: string; items: number[] }>();
  list.children.forEach((item, i) => {
    for (const x of walkInstances(item)) {
      if (x.kind !== "primitive") continue;
      const rel = x.path.slice(item.path.length + 1);
      const entry = held.get(rel) ?? { text: `${rel} (${x.className})`, items: [] };
      entry.items.push(i);
      held.set(rel, entry);
    }
  });
  const where = (items: number[]) =>
    items.length === 1 && items[0] === 0 ? "in the first layer only"
    : items.length === n - 1 && !items.includes(0) ? "in every layer but the first"
    : `in layers ${items.join(", ")} of ${n}`;
  const parts = [...held.values()].filter((e) => e.items.length < n).map((e) => `${e.text} ${where(e.items)}`).sort();
  const words = parts.length ? parts.join("; ") : "every layer holds the same modules";
  return { short: words, detail: words };
}
