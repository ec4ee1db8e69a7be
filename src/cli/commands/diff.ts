import { diffSides, layerDrawing, renderHtml, renderJson, renderMarkdown, renderText, side } from "../../compiler/diff/index.js";
import { resolveModelRef, loadWorkspace } from "../../compiler/workspace.js";
import { flag, UsageError } from "../args.js";
import { elaborated, failWith } from "./model-ref.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import type { Command } from "./command.js";

export const diff: Command = {
  summary: "semantic diff of two models, aligned by role, ending in a plain summary (FILE.arch[:PRESET], a preset or arch name, or --preset NAME twice)",
  usage: "diff A B [--json | --md | --html] [--preset A --preset B]",
  flags: ["md", "html", "no-color"],
  async run(args, io) {
    const refs = [...args.positional.map((p) => ({ spec: p as string | undefined, preset: undefined as string | undefined })), ...(args.options.get("preset") ?? []).map((p) => ({ spec: undefined, preset: p }))];
    if (refs.length !== 2) throw new UsageError(`diff compares two models, found ${refs.length}`);
    const ws = loadWorkspace(refs.map((r) => (r.spec ?? "").replace(/:[^/\\]*$/, "")).filter((s) => s.endsWith(".arch")));
    const errs = checkWorkspace(ws).filter((d) => d.severity === "error");
    if (hasErrors(errs)) failWith(ws, errs);
    const models = refs.map((r) => {
      const ref = resolveModelRef(ws, r.spec, r.preset);
      if ("code" in ref) failWith(ws, [ref]);
      return { m: elaborated(ws, ref), label: r.preset ?? r.spec ?? "" };
    });
    const [sa, sb] = models.map((x) => side(x.m, x.label)) as [ReturnType<typeof side>, ReturnType<typeof side>];
    const report = diffSides(sa, sb);
    if (flag(args, "json")) io.out(renderJson(report));
    else if (flag(args, "md")) io.out(renderMarkdown(report));
    else if (flag(args, "html")) io.out(renderHtml(report, layerDrawing(sa.anatomy, sb.anatomy, [models[0]!.label, models[1]!.label])));
    else io.out(renderText(report, !flag(args, "no-color") && process.stdout.isTTY === true && !process.env.NO_COLOR));
    return 0;
  },
};
