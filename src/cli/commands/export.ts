// `archc export MODEL --torch|--onnx -o OUT`: a thin dispatcher over the export targets.
import { flag, opt, UsageError } from "../args.js";
import { exportedModel } from "../export/model.js";
import { exportTorch } from "../export/torch.js";
import { exportOnnx } from "../ort/export-command.js";
import type { Command } from "./command.js";

const targets = ["torch", "onnx"] as const;

export const exportCmd: Command = {
  summary: "export a model for another engine: --torch (an importable PyTorch package) or --onnx (model.onnx, weights as external data)",
  usage: "export MODEL (--torch | --onnx [--intermediates] [--seed N]) -o OUT   (MODEL: FILE.arch[:PRESET], a preset name or a checkpoint folder)",
  flags: [...targets, "intermediates"],
  options: ["out", "seed"],
  maxPositional: 1,
  async run(args, io) {
    const chosen = targets.filter((t) => flag(args, t));
    if (chosen.length !== 1) throw new UsageError(`choose one target: ${targets.map((t) => `--${t}`).join(", ")}`);
    if (chosen[0] === "onnx") return exportOnnx(args, io);
    const spec = args.positional[0];
    if (!spec) throw new UsageError("name a model: FILE.arch[:PRESET], a preset name or a checkpoint folder");
    const out = opt(args, "out");
    if (!out) throw new UsageError("name an output folder with -o OUT");
    const written = exportTorch(exportedModel(args, spec), out);
    io.out(`wrote ${written.length} files to ${out}`);
    return 0;
  },
};
