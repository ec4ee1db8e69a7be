// `archc diff --html`: the two models' layers drawn side by side (draw/svg.ts), every node
// that the other layer has no counterpart for marked. A node's counterpart is the node with
// the same role (the attention op, the norm before the MLP, the fused qkv projection) and
// the same kind of module or op; a node without a role (a residual add, a product, a
// layout op) counts as changed when the other layer has none like it.
import type { FlowGraph as DrawGraph, FlowNode as DrawNode } from "../draw/dataflow.js";
import { renderSvg } from "../draw/svg.js";
import type { Anatomy } from "./anatomy.js";
import type { FlowNode } from "./layer-graph.js";

type Layer = NonNullable<Anatomy["layer"]>;

const kindOf = (n: FlowNode) => (n.kind === "module" ? (n.instance?.primitive?.name ?? n.what) : n.what);

const label = (n: FlowNode): string => (n.kind === "module" ? `${n.instance?.name ?? n.what}: ${kindOf(n)}` : n.what);

/** The signature by which a node finds its counterpart in the other layer. */
const signature = (l: Layer, n: FlowNode) => `${l.nodeRoles.get(n.id) ?? ""}|${kindOf(n)}`;

function toDrawing(l: Layer, other: Layer): DrawGraph {
  const theirs = new Set(other.graph.nodes.filter((n) => n.kind !== "part").map((n) => signature(other, n)));
  const nodes: DrawNode[] = [];
  const edges: DrawGraph["edges"] = [];
  const newId = new Map<number, number>();
  // Parts of a split are drawn as edges from the split itself.
  const resolve = (id: number): number | undefined => {
    const n = l.graph.nodes[id]!;
    return n.kind === "part" ? resolve(n.inputs[0]!) : newId.get(id);
  };
  for (const n of l.graph.nodes) {
    if (n.kind === "part") continue;
    const id = nodes.length;
    newId.set(n.id, id);
    const kind: DrawNode["kind"] = n.kind;
    nodes.push({ id, label: label(n), kind, ...(theirs.has(signature(l, n)) ? {} : { changed: true }) });
    for (const i of new Set(n.inputs.map(resolve))) if (i !== undefined) edges.push({ from: i, to: id, label: "" });
  }
  const out = nodes.length;
  nodes.push({ id: out, label: "output", kind: "output" });
  for (const o of new Set(l.graph.output.map(resolve))) if (o !== undefined) edges.push({ from: o, to: out, label: "" });
  return { nodes, edges, groups: [] };
}

/** Both layers as inline SVG, side by side; empty when either model has no layer list. */
export function layerDrawing(a: Anatomy, b: Anatomy, titles: [string, string]): string {
  if (!a.layer || !b.layer) return "";
  const svgA = renderSvg(toDrawing(a.layer, b.layer), `${titles[0]}: ${a.layer.className} × ${a.layer.count}`);
  const svgB = renderSvg(toDrawing(b.layer, a.layer), `${titles[1]}: ${b.layer.className} × ${b.layer.count}`);
  return `<h2>Layers</h2><p>Nodes outlined in red have no counterpart in the other model's layer.</p><div class="layers"><figure>${svgA}</figure><figure>${svgB}</figure></div>`;
}
