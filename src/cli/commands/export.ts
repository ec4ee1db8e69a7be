// `archc export MODEL --onnx|--torch -o OUT`: dispatches to the target's exporter.
import { flag, UsageError } from "../args.js";
import { exportOnnx } from "../ort/export-command.js";
import type { Command } from "./command.js";

export const exportCmd: Command = {
  summary: "export a model (FILE.arch[:preset], preset name or checkpoint folder) to ONNX",
  usage: "export MODEL --onnx -o OUT [--intermediates] [--seed N]",
  flags: ["onnx", "intermediates", "contrib-ops"],
  async run(args, io) {
    if (flag(args, "onnx")) return exportOnnx(args, io);
    throw new UsageError("name the export target: --onnx");
  },
};
