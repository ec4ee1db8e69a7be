// `archc table`: the survey's comparison, generated from the IR — one row per model
// (its flagship preset) with attention, mask, positions, norm, activation, MoE, size.
import { describeModel, type Features } from "../../compiler/describe/features.js";
import { checkWorkspace, modelFor } from "../../compiler/pipeline.js";
import { computeStats, formatCount } from "../../compiler/stats/stats.js";
import { displayPath, loadWorkspace, zooFiles } from "../../compiler/workspace.js";
import type { ArchIR } from "../../compiler/ir/model.js";
import { escapeHtml } from "../../compiler/escape-html.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { flag } from "../args.js";
import { failWith } from "./model-ref.js";
import type { Command } from "./command.js";

/** One model: its features (describeModel) with the name, preset, size, context and vocabulary. */
export interface TableRow extends Features {
  model: string;
  preset: string;
  params: number;
  context: string;
  vocab: string;
}

export const tableColumns: (keyof TableRow)[] = ["model", "preset", "attention", "mask", "positions", "norm", "activation", "moe", "params", "context", "vocab"];

export function flagshipPreset(arch: ArchIR): string | undefined {
  return [...arch.presets.keys()].find((p) => p !== "tiny");
}

/** Context length and vocabulary by their config.json meaning, whatever the .arch calls them. */
function byHfKey(arch: ArchIR, values: Map<string, unknown>, keys: string[]): string {
  for (const p of arch.params.values()) {
    if (p.hfKeys.some((k) => keys.includes(k.join(".")))) {
      const v = values.get(p.name);
      if (v !== null && v !== undefined) return String(v);
    }
  }
  return "—";
}

export function tableRows(archs: ArchIR[]): TableRow[] {
  return archs.map((arch) => {
    const preset = flagshipPreset(arch);
    const m = modelFor(arch, preset);
    const f = describeModel(m);
    const s = computeStats(m);
    return {
      model: arch.name,
      preset: preset ?? "(defaults)",
      attention: f.attention,
      mask: f.mask,
      positions: f.positions,
      norm: f.norm,
      activation: f.activation,
      moe: f.moe,
      params: s.params,
      context: byHfKey(arch, m.config.values, ["max_position_embeddings", "n_positions", "seq_length", "max_context_length", "model_max_length", "n_ctx"]),
      vocab: byHfKey(arch, m.config.values, ["vocab_size", "padded_vocab_size"]),
    };
  });
}

const cell = (r: TableRow, c: keyof TableRow) => (c === "params" ? formatCount(r.params) : String(r[c]));

export function tableMarkdown(rows: TableRow[]): string {
  const head = `| ${tableColumns.join(" | ")} |\n| ${tableColumns.map(() => "---").join(" | ")} |`;
  return [head, ...rows.map((r) => `| ${tableColumns.map((c) => cell(r, c).replace(/\|/g, "\\|")).join(" | ")} |`)].join("\n");
}

export function tableHtml(rows: TableRow[], link?: (r: TableRow) => string): string {
  const th = tableColumns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const trs = rows
    .map((r) => `<tr>${tableColumns.map((c) => (c === "model" && link ? `<td><a href="${escapeHtml(link(r))}">${escapeHtml(r.model)}</a></td>` : `<td>${escapeHtml(cell(r, c))}</td>`)).join("")}</tr>`)
    .join("\n");
  return `<table class="zoo"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

export const table: Command = {
  summary: "the zoo's feature table (attention, positions, norm, activation, MoE, size) as Markdown or HTML",
  usage: "table [FILE.arch…] [--html] [--json]",
  flags: ["html", "md"],
  options: [],
  async run(args, io) {
    const files = args.positional.length ? args.positional : zooFiles();
    const ws = loadWorkspace(files);
    const shown = new Set(files.map(displayPath));
    const errs = checkWorkspace(ws, [...shown]).filter((d) => d.severity === "error");
    if (hasErrors(errs)) failWith(ws, errs);
    const rows = tableRows([...ws.archs.values()].filter((a) => shown.has(a.file)));
    if (flag(args, "json")) io.out(JSON.stringify(rows, null, 2));
    else if (flag(args, "html")) io.out(tableHtml(rows));
    else io.out(tableMarkdown(rows));
    return 0;
  },
};
