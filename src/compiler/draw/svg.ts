// Lays a dataflow graph out as one column, top to bottom in evaluation order: straight
// edges between neighbours carry their shape, edges that skip ahead (residual paths) arc
// to the right, and the repeated layer sits in a frame labelled ×N.
import { escapeHtml } from "../escape-html.js";
import type { FlowGraph } from "./dataflow.js";

const W = 320;
const H = 30;
const GAP = 46;
const X0 = 170;
const TOP = 50;

export function renderSvg(g: FlowGraph, title: string): string {
  const e = escapeHtml;
  const y = (i: number) => TOP + i * (H + GAP);
  const cx = X0 + W / 2;
  const parts: string[] = [];
  // Frames for the repeated layer, drawn first so that nodes sit on top.
  g.groups.forEach((grp, gi) => {
    const members = g.nodes.filter((n) => n.group === gi).map((n) => n.id);
    if (!members.length) return;
    const top = y(Math.min(...members)) - 30;
    const bottom = y(Math.max(...members)) + H + 14;
    parts.push(`<rect class="frame" x="${X0 - 40}" y="${top}" width="${W + 200}" height="${bottom - top}" rx="10"/>`);
    parts.push(`<text class="frame-label" x="${X0 + W + 150}" y="${top + 16}" text-anchor="end">${e(grp.label)}</text>`);
  });
  let arcs = 0;
  for (const edge of g.edges) {
    const y1 = y(edge.from) + H;
    const y2 = y(edge.to);
    if (edge.to === edge.from + 1) {
      parts.push(`<line class="edge" x1="${cx}" y1="${y1}" x2="${cx}" y2="${y2}" marker-end="url(#arrow)"/>`);
      if (edge.label) parts.push(`<text class="shape" x="${cx - 8}" y="${(y1 + y2) / 2 + 4}" text-anchor="end">${e(edge.label)}</text>`);
    } else {
      const off = W / 2 + 24 + (arcs++ % 4) * 16;
      const ys = y(edge.from) + H / 2;
      const ye = y(edge.to) + H / 2;
      const round = (k: number | undefined) => g.nodes[k ?? -1]?.kind === "add" || g.nodes[k ?? -1]?.kind === "mul";
      const xs = cx + (round(edge.from) ? 15 : W / 2);
      parts.push(`<path class="skip" d="M ${xs} ${ys} C ${cx + off + 30} ${ys}, ${cx + off + 30} ${ye}, ${cx + (round(edge.to) ? 16 : W / 2)} ${ye}" marker-end="url(#arrow)"/>`);
    }
  }
  for (const n of g.nodes) {
    const ny = y(n.id);
    if (n.kind === "add" || n.kind === "mul") {
      parts.push(`<circle class="${n.kind}${n.changed ? " changed" : ""}" cx="${cx}" cy="${ny + H / 2}" r="15"/><text class="sym" x="${cx}" y="${ny + H / 2 + 5}" text-anchor="middle">${e(n.label)}</text>`);
      continue;
    }
    parts.push(`<rect class="node ${n.kind}${n.changed ? " changed" : ""}" x="${X0}" y="${ny}" width="${W}" height="${H}" rx="6"/>`);
    parts.push(`<text class="label" x="${cx}" y="${ny + 19}" text-anchor="middle">${e(n.label.length > 38 ? `${n.label.slice(0, 37)}…` : n.label)}</text>`);
  }
  const height = TOP + g.nodes.length * (H + GAP) + 10;
  const width = X0 + W + 240;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${e(title)}">
<style>
.node{fill:#eef3fb;stroke:#4a6fa5;stroke-width:1.2}.node.op{fill:#fff6e6;stroke:#c08a2c}.node.input,.node.output{fill:#e9f7ec;stroke:#3c8d50}
.add,.mul{fill:#fff;stroke:#555;stroke-width:1.2}.label{font:13px ui-monospace,monospace;fill:#222}.sym{font:16px sans-serif}
.edge{stroke:#555;stroke-width:1.2}.skip{fill:none;stroke:#8a5;stroke-width:1.3;stroke-dasharray:4 3}
.shape{font:11px ui-monospace,monospace;fill:#666}.frame{fill:#f8f8fb;stroke:#999;stroke-dasharray:6 4}.frame-label{font:bold 12px sans-serif;fill:#555}
.title{font:bold 15px sans-serif}.changed{stroke:#c0392b;stroke-width:2.6}
</style>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>
<text class="title" x="20" y="28">${e(title)}</text>
${parts.join("\n")}
</svg>
`;
}
