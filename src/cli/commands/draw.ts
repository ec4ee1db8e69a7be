import { buildFlow } from "../../compiler/draw/dataflow.js";
import { renderSvg } from "../../compiler/draw/svg.js";
import { flag, opt, UsageError } from "../args.js";
import { writeAtomic } from "./compile.js";
import { elaborated, selectModel } from "./model-ref.js";
import type { Command } from "./command.js";

export const draw: Command = {
  summary: "a block diagram of the model (embedding, one layer expanded with residual paths, ×N, head) as SVG",
  usage: "draw [FILE.arch[:PRESET]] [--preset NAME] -o OUT.svg",
  flags: [],
  options: ["out", "preset"],
  maxPositional: 1,
  async run(args, io) {
    const out = opt(args, "out");
    if (!out) throw new UsageError("name the output file with -o OUT.svg");
    const { ws, ref } = selectModel(args);
    const m = elaborated(ws, ref);
    writeAtomic(out, renderSvg(buildFlow(m), `${ref.preset ?? ref.arch.name} (${m.root.className})`));
    io.out(flag(args, "json") ? JSON.stringify({ wrote: [out] }) : `wrote ${out}`);
    return 0;
  },
};
