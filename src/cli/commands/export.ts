// `archc export MODEL --torch|… -o OUT`: a thin dispatcher over the export targets.
import { flag, opt, UsageError } from "../args.js";
import { exportedModel } from "../export/model.js";
import { exportTorch } from "../export/torch.js";
import type { Command } from "./command.js";

const targets: Record<string, (m: ReturnType<typeof exportedModel>, out: string) => string[]> = {
  torch: exportTorch,
};

export const exportCmd: Command = {
  summary: "export a model as a package for another engine (--torch: an importable PyTorch package)",
  usage: "export MODEL --torch -o OUT   (MODEL: FILE.arch[:PRESET], a preset name or a checkpoint folder)",
  flags: Object.keys(targets),
  async run(args, io) {
    const spec = args.positional[0];
    if (!spec) throw new UsageError("name a model: FILE.arch[:PRESET], a preset name or a checkpoint folder");
    const chosen = Object.keys(targets).filter((t) => flag(args, t));
    if (chosen.length !== 1) throw new UsageError(`choose one target: ${Object.keys(targets).map((t) => `--${t}`).join(", ")}`);
    const out = opt(args, "out");
    if (!out) throw new UsageError("name an output folder with -o OUT");
    const written = targets[chosen[0]!]!(exportedModel(args, spec), out);
    io.out(`wrote ${written.length} files to ${out}`);
    return 0;
  },
};
