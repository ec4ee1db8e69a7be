import { buildFlow } from "../../compiler/draw/dataflow.js";
import { renderSvg } from "../../compiler/draw/svg.js";
import { flag, opt, UsageError } from "../args.js";
import { writeAtomic } from "../files.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const draw: Command = {
  summary: "a block diagram of the model (embedding, one layer expanded with residual paths, ×N, head) as SVG",
  usage: "draw [FILE.arch[:PRESET] | config.json | CKPT_DIR] [--preset NAME] -o OUT.svg",
  flags: [],
  options: ["out", "preset", "root"],
  maxPositional: 1,
  async run(args, io) {
    const out = opt(args, "out");
    if (!out) throw new UsageError("name the output file with -o OUT.svg");
    const { model: m, label } = selectElaborated(args);
    writeAtomic(out, renderSvg(buildFlow(m), `${label} (${m.root.className})`));
    io.out(flag(args, "json") ? JSON.stringify({ wrote: [out] }) : `wrote ${out}`);
    return 0;
  },
};
