import { diffModels, renderHtml, renderJson, renderMarkdown, renderText, isEmpty } from "../../compiler/diff/index.js";
import { resolveModelRef, loadWorkspace } from "../../compiler/workspace.js";
import { flag, UsageError } from "../args.js";
import { elaborated, failWith, fileOfSpec } from "./model-ref.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import type { Command } from "./command.js";

export const diff: Command = {
  summary: "semantic diff of two models (FILE.arch[:PRESET], a preset or arch name, or --preset NAME twice)",
  usage: "diff A B [--json | --md | --html] [--preset A --preset B]",
  flags: ["md", "html", "no-color"],
  options: ["preset"],
  maxPositional: 2,
  async run(args, io) {
    const refs = [...args.positional.map((p) => ({ spec: p as string | undefined, preset: undefined as string | undefined })), ...(args.options.get("preset") ?? []).map((p) => ({ spec: undefined, preset: p }))];
    if (refs.length !== 2) throw new UsageError(`diff compares two models, found ${refs.length}`);
    const ws = loadWorkspace(refs.flatMap((r) => (r.spec === undefined ? [] : [fileOfSpec(r.spec)].filter((f): f is string => f !== undefined))));
    const errs = checkWorkspace(ws).filter((d) => d.severity === "error");
    if (hasErrors(errs)) failWith(ws, errs);
    const models = refs.map((r) => {
      const ref = resolveModelRef(ws, r.spec, r.preset);
      if ("code" in ref) failWith(ws, [ref]);
      return { m: elaborated(ws, ref), label: r.preset ?? r.spec ?? "" };
    });
    const report = diffModels(models[0]!.m, models[1]!.m, [models[0]!.label, models[1]!.label]);
    if (flag(args, "json")) io.out(renderJson(report));
    else if (flag(args, "md")) io.out(renderMarkdown(report));
    else if (flag(args, "html")) io.out(renderHtml(report));
    else io.out(renderText(report, !flag(args, "no-color") && process.stdout.isTTY === true && !process.env.NO_COLOR));
    void isEmpty;
    return 0;
  },
};
