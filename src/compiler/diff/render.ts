// A diff report as coloured terminal text, Markdown, JSON (the stable schema of
// docs/diff-schema.md) or a side-by-side HTML page.
import type { DiffReport, HyperChange } from "./diff.js";
import { isEmpty } from "./diff.js";
import { escapeHtml } from "../escape-html.js";

const title = (s: DiffReport["a"]) => (s.preset ? `${s.preset} (${s.arch})` : s.arch);

/** How a hyperparameter row says why its two sides are one concept: the config keys they are read from, the place they flow into. */
const pairing = (h: HyperChange) => [h.keys ? `config key ${h.keys.a} → ${h.keys.b}` : "", h.meaning ? `meaning: ${h.meaning}` : ""].filter(Boolean).join("; ");

const statNames = { params: "parameters", flopsPerToken: "FLOPs per token", kvCacheBytesPerToken: "KV-cache bytes per token" } as const;

function num(n: number): string {
  return n.toLocaleString("en-US");
}

function signed(n: number): string {
  return `${n > 0 ? "+" : ""}${num(n)}`;
}

export function renderText(r: DiffReport, color = false): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const red = (s: string) => c("31", s);
  const green = (s: string) => c("32", s);
  const bold = (s: string) => c("1", s);
  const lines = [bold(`${title(r.a)}  →  ${title(r.b)}`)];
  if (isEmpty(r)) return `${lines[0]}\n  no differences`;
  if (r.names.length) {
    lines.push(bold("names (aligned by role)"));
    for (const n of r.names) lines.push(`  ${n.role}: ${red(n.a)} ~ ${green(n.b)}`);
  }
  if (r.layer.length) {
    lines.push(bold("layer"));
    for (const l of r.layer) lines.push(`  ${l.aspect}: ${red(l.a)} → ${green(l.b)}`);
  }
  if (r.hyperparameters.length) {
    lines.push(bold("hyperparameters"));
    for (const h of r.hyperparameters) lines.push(`  ${h.name}${h.key !== h.name ? ` (${h.key})` : ""}: ${red(h.a)} → ${green(h.b)}${pairing(h) ? `  [${pairing(h)}]` : ""}`);
  }
  if (r.attributes.length) {
    lines.push(bold("operations"));
    for (const a of r.attributes) lines.push(`  ${a.block}: ${a.op}${a.index ? `#${a.index + 1}` : ""}.${a.attr}: ${red(a.a)} → ${green(a.b)}`);
  }
  if (r.structure.length) {
    lines.push(bold("structure"));
    for (const s of r.structure) {
      const mark = s.change === "added" ? green("+") : s.change === "removed" ? red("-") : "~";
      const body = s.change === "added" ? green(s.b ?? "") : s.change === "removed" ? red(s.a ?? "") : `${red(s.a ?? "")} → ${green(s.b ?? "")}`;
      lines.push(`  ${mark} ${s.path}: ${body}`);
    }
  }
  if (r.shapes.length) {
    lines.push(bold("shapes"));
    for (const s of r.shapes) lines.push(`  ${s.tensor}: ${red(s.a)} → ${green(s.b)}`);
  }
  if (r.stats.length) {
    lines.push(bold("statistics"));
    for (const s of r.stats) lines.push(`  ${statNames[s.stat]}: ${num(s.a)} → ${num(s.b)} (${signed(s.delta)})`);
  }
  lines.push(bold("summary"), `  ${summaryLine(r)}`);
  return lines.join("\n");
}

const mdCell = (s: string) => s.replace(/\|/g, "\\|");

export function renderMarkdown(r: DiffReport): string {
  const out = [`## ${title(r.a)} → ${title(r.b)}`, ""];
  if (isEmpty(r)) return `${out.join("\n")}No differences.\n`;
  const table = (head: string[], rows: string[][]) => {
    out.push(`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((row) => `| ${row.map(mdCell).join(" | ")} |`), "");
  };
  if (r.names.length) {
    out.push("### Names (aligned by role)", "");
    table(["role", title(r.a), title(r.b)], r.names.map((n) => [n.role, n.a, n.b]));
  }
  if (r.layer.length) {
    out.push("### Layer", "");
    table(["aspect", title(r.a), title(r.b)], r.layer.map((l) => [l.aspect, l.a, l.b]));
  }
  if (r.hyperparameters.length) {
    out.push("### Hyperparameters", "");
    table(["hyperparameter", title(r.a), title(r.b)], r.hyperparameters.map((h) => [`${h.name}${pairing(h) ? ` (${pairing(h)})` : ""}`, h.a, h.b]));
  }
  if (r.attributes.length) {
    out.push("### Operations", "");
    table(["block", "op", "attribute", title(r.a), title(r.b)], r.attributes.map((a) => [a.block, a.op, a.attr, a.a, a.b]));
  }
  if (r.structure.length) {
    out.push("### Structure", "");
    table(["path", "change", title(r.a), title(r.b)], r.structure.map((s) => [s.path, s.change, s.a ?? "", s.b ?? ""]));
  }
  if (r.shapes.length) {
    out.push("### Shapes", "");
    table(["tensor", title(r.a), title(r.b)], r.shapes.map((s) => [s.tensor, s.a, s.b]));
  }
  if (r.stats.length) {
    out.push("### Statistics", "");
    table(["statistic", title(r.a), title(r.b), "delta"], r.stats.map((s) => [statNames[s.stat], num(s.a), num(s.b), signed(s.delta)]));
  }
  out.push("### Summary", "", summaryLine(r), "");
  return out.join("\n");
}

export function renderJson(r: DiffReport): string {
  return JSON.stringify({ schema: "archc-diff/1", ...r, identical: isEmpty(r) }, null, 2);
}

/** "B vs A: RMSNorm instead of LayerNorm; …", or that they compute alike. */
export function summaryLine(r: DiffReport): string {
  const head = `${title(r.b)} vs ${title(r.a)}`;
  if (r.summary.length) return `${head}: ${r.summary.join("; ")}`;
  return isEmpty(r) ? `${head}: no differences` : `${head}: the same architecture; only sizes and names differ`;
}

/**
 * The dataflow explanation in words (`archc diff --explain`): the summary, each aspect of
 * the layer that differs as one sentence per model, and the concepts whose values differ with
 * why they are one concept. It says what the other outputs say, without the per-module rows.
 */
export function renderExplanation(r: DiffReport): string {
  const [a, b] = [title(r.a), title(r.b)];
  const lines = [summaryLine(r)];
  if (r.layer.length) {
    lines.push("", `How the layers differ (${a} → ${b}):`);
    for (const l of r.layer) lines.push(`- ${l.aspect}`, `    ${a}: ${l.a}`, `    ${b}: ${l.b}`);
  }
  if (r.hyperparameters.length) {
    lines.push("", "Hyperparameters that differ, by meaning:");
    for (const h of r.hyperparameters) lines.push(`- ${h.name}: ${h.a} → ${h.b}${pairing(h) ? ` (${pairing(h)})` : ""}`);
  }
  return lines.join("\n");
}

/** A self-contained side-by-side page (no scripts, no network). */
export function renderHtml(r: DiffReport, layers?: string): string {
  const e = escapeHtml;
  const rows = (items: [string, string, string][]) => items.map(([k, a, b]) => `<tr><th>${e(k)}</th><td class="a">${e(a)}</td><td class="b">${e(b)}</td></tr>`).join("");
  const sections: string[] = [];
  const add = (name: string, items: [string, string, string][]) => {
    if (items.length) sections.push(`<h2>${e(name)}</h2><table><tr><th></th><th>${e(title(r.a))}</th><th>${e(title(r.b))}</th></tr>${rows(items)}</table>`);
  };
  add("Names (aligned by role)", r.names.map((n) => [n.role, n.a, n.b]));
  add("Layer", r.layer.map((l) => [l.aspect, l.a, l.b]));
  add("Hyperparameters", r.hyperparameters.map((h) => [`${h.name}${pairing(h) ? ` (${pairing(h)})` : ""}`, h.a, h.b]));
  add("Operations", r.attributes.map((a) => [`${a.block}: ${a.op}.${a.attr}`, a.a, a.b]));
  add("Structure", r.structure.map((s) => [`${s.path} (${s.change})`, s.a ?? "", s.b ?? ""]));
  add("Shapes", r.shapes.map((s) => [s.tensor, s.a, s.b]));
  add("Statistics", r.stats.map((s) => [statNames[s.stat], num(s.a), num(s.b)]));
  const body = `${isEmpty(r) ? "<p class=\"same\">No differences.</p>" : sections.join("\n")}${layers ?? ""}<h2>Summary</h2><p class="summary">${e(summaryLine(r))}</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${e(title(r.a))} vs ${e(title(r.b))}</title><style>${diffCss}</style></head><body><h1>${e(title(r.a))} → ${e(title(r.b))}</h1>${body}</body></html>`;
}

export const diffCss =
  "body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top;font-family:ui-monospace,monospace}td.a{background:#fdecec}td.b{background:#e9f7ec}h2{font-size:1.1em;margin-top:1.5em}.layers{display:flex;gap:2em;align-items:flex-start}.layers figure{margin:0}.summary{font-weight:600}.same{color:#080}";
