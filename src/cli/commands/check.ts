import { diagnosticsToJson, renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { displayPath, loadWorkspace, zooFiles } from "../../compiler/workspace.js";
import { flag } from "../args.js";
import type { Command } from "./command.js";

export const check: Command = {
  summary: "parse and check .arch files (default: the bundled zoo); exit 1 on any error",
  usage: "check [FILE.arch…] [--json]",
  flags: [],
  options: [],
  async run(args, io) {
    const files = args.positional.length ? args.positional : zooFiles();
    const ws = loadWorkspace(files);
    const shown = files.map(displayPath);
    // Another file's problems matter only when a checked arch builds on an arch defined there.
    const relevant = new Set(shown);
    for (const a of ws.archs.values()) if (shown.includes(a.file)) for (const n of a.lineage) relevant.add(ws.archs.get(n)?.file ?? a.file);
    const diags = checkWorkspace(ws, shown).filter((d) => !d.span || relevant.has(d.span.file));
    if (flag(args, "json")) io.out(JSON.stringify({ files: shown, diagnostics: diagnosticsToJson(diags) }, null, 2));
    else if (diags.length) io.err(renderDiagnostics(diags, ws.sources));
    else {
      const n = [...ws.archs.values()].filter((a) => shown.includes(a.file)).length;
      io.out(`ok: ${shown.length} file${shown.length === 1 ? "" : "s"}, ${n} architecture${n === 1 ? "" : "s"} checked`);
    }
    return hasErrors(diags) ? 1 : 0;
  },
};
