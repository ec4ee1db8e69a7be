// `archc zoo`: the main job on the bundled model zoo. Every architecture in models/ is
// checked, compiled to TypeScript, instantiated at its `tiny` preset with random weights
// and run on a random batch; the table lists what each model is.
import { loadArch } from "../../compiler/codegen/load.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { describeModel } from "../../compiler/describe/features.js";
import { checkWorkspace, configFor, modelFor } from "../../compiler/pipeline.js";
import { computeStats, formatCount } from "../../compiler/stats/stats.js";
import { loadWorkspace } from "../../compiler/workspace.js";
import type { ArchIR, Value } from "../../compiler/ir/model.js";
import { IntTensor, ModelSession, randomSource, mulberry32 } from "../../runtime/index.js";
import { flag } from "../args.js";
import type { Command } from "./command.js";

export interface ZooRow {
  model: string;
  preset: string;
  params: string;
  attention: string;
  positions: string;
  norm: string;
  activation: string;
  moe: string;
  run: string;
}

/** The preset the table describes: the first real checkpoint (not `tiny`). */
function flagship(arch: ArchIR): string | undefined {
  return [...arch.presets.keys()].find((p) => p !== "tiny");
}

export async function runZooModel(arch: ArchIR, seed = 1): Promise<{ ok: boolean; detail: string }> {
  if (!arch.presets.has("tiny")) return { ok: false, detail: "no tiny preset" };
  const mod = await loadArch(arch);
  const values = Object.fromEntries(configFor(arch, "tiny").values) as Record<string, Value>;
  const rootName = arch.root?.block ?? mod.defaultRoot;
  const session = new ModelSession(mod, values, randomSource(seed), rootName);
  const rand = mulberry32(seed);
  const vocab = Number(session.cfg.vocab ?? 32);
  const [b, t] = [2, 5];
  const feed: Record<string, IntTensor> = {};
  for (const n of session.inputNames) {
    const limit = /type/.test(n) ? 2 : vocab;
    feed[n] = new IntTensor(Int32Array.from({ length: b * t }, () => Math.floor(rand() * limit)), [b, t]);
  }
  const start = performance.now();
  const { output } = session.forward(feed);
  const ms = performance.now() - start;
  if (output.data.some((x) => !Number.isFinite(x))) return { ok: false, detail: "non-finite output" };
  return { ok: true, detail: `[${output.shape.join("×")}] in ${ms.toFixed(0)} ms` };
}

export const zoo: Command = {
  summary: "check, compile and run every model in models/ at a tiny random configuration; print a table",
  usage: "zoo [--json]",
  flags: [],
  options: [],
  maxPositional: 0,
  async run(args, io) {
    const ws = loadWorkspace([]);
    // A model file with errors fails its own row (and those of archs built on it), not the zoo.
    const errors = checkWorkspace(ws).filter((d) => d.severity === "error");
    if (errors.length) io.err(renderDiagnostics(errors, ws.sources));
    const rows: ZooRow[] = [];
    let failed = 0;
    const archs = [...ws.archs.values()];
    const progress = flag(args, "json") ? undefined : io.progress;
    for (const [i, arch] of archs.entries()) {
      progress?.(`\r[${i + 1}/${archs.length}] ${arch.name}…`.padEnd(40));
      const preset = flagship(arch);
      const files = new Set([arch.file, ...arch.lineage.map((n) => ws.archs.get(n)?.file)]);
      const own = errors.filter((d) => !d.span || files.has(d.span.file));
      let row: Omit<ZooRow, "run"> = { model: arch.name, preset: preset ?? "(defaults)", params: "?", attention: "", positions: "", norm: "", activation: "", moe: "" };
      let runText: string;
      try {
        if (own.length) throw new Error(`${own.length} error${own.length > 1 ? "s" : ""} in check: ${own[0]!.message}`);
        const m = modelFor(arch, preset);
        row = { ...row, params: formatCount(computeStats(m).params), ...describeModel(m) };
        const r = await runZooModel(arch);
        runText = r.ok ? `ok ${r.detail}` : `FAILED: ${r.detail}`;
        if (!r.ok) failed++;
      } catch (e) {
        failed++;
        runText = `FAILED: ${(e as Error).message.split("\n")[0]}`;
      }
      rows.push({ ...row, run: runText });
    }
    progress?.("\r".padEnd(41) + "\r");
    if (flag(args, "json")) io.out(JSON.stringify(rows, null, 2));
    else io.out(renderTable(rows));
    return failed ? 1 : 0;
  },
};

export function renderTable(rows: ZooRow[]): string {
  const cols: (keyof ZooRow)[] = ["model", "preset", "params", "attention", "positions", "norm", "activation", "moe", "run"];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(cols), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c])))].join("\n");
}
