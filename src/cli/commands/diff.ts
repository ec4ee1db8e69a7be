import { diffSides, layerDrawing, renderExplanation, renderHtml, renderJson, renderMarkdown, renderText, side } from "../../compiler/diff/index.js";
import { flag, UsageError } from "../args.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const diff: Command = {
  summary: "semantic diff of two models, aligned by role, ending in a plain summary (FILE.arch[:PRESET], a preset or arch name, a config.json or checkpoint folder, or --preset NAME twice)",
  usage: "diff A B [--json | --md | --html | --explain] [--preset A --preset B]",
  flags: ["md", "html", "explain", "no-color"],
  options: ["preset"],
  maxPositional: 2,
  async run(args, io) {
    const refs = [...args.positional.map((p) => ({ spec: p as string | undefined, preset: undefined as string | undefined })), ...(args.options.get("preset") ?? []).map((p) => ({ spec: undefined, preset: p }))];
    if (refs.length !== 2) throw new UsageError(`diff compares two models, found ${refs.length}`);
    const formats = ["json", "md", "html", "explain"].filter((f) => flag(args, f));
    if (formats.length > 1) throw new UsageError(`choose one output: ${formats.map((f) => `--${f}`).join(" and ")} were both given`);
    const models = refs.map((r) => {
      const { model, label } = selectElaborated(args, { spec: r.spec, preset: r.preset });
      return { m: model, label: r.preset ?? r.spec ?? label };
    });
    const [sa, sb] = models.map((x) => side(x.m, x.label)) as [ReturnType<typeof side>, ReturnType<typeof side>];
    const report = diffSides(sa, sb);
    if (flag(args, "json")) io.out(renderJson(report));
    else if (flag(args, "md")) io.out(renderMarkdown(report));
    else if (flag(args, "explain")) io.out(renderExplanation(report));
    else if (flag(args, "html")) io.out(renderHtml(report, layerDrawing(sa.anatomy, sb.anatomy, [models[0]!.label, models[1]!.label])));
    else io.out(renderText(report, !flag(args, "no-color") && process.stdout.isTTY === true && !process.env.NO_COLOR));
    return 0;
  },
};
