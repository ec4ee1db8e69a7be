import { printModuleTree } from "../../compiler/print/module-tree.js";
import { flag } from "../args.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const print: Command = {
  summary: "print the module tree exactly as PyTorch's print(model) does",
  usage: "print [FILE.arch[:PRESET] | config.json | CKPT_DIR] [--preset NAME] [--root BLOCK] [--unfold]  (--unfold: every list item, as torch < 2.0 prints them)",
  flags: ["unfold"],
  options: ["preset", "root"],
  maxPositional: 1,
  async run(args, io) {
    const { model, label } = selectElaborated(args);
    const tree = printModuleTree(model.root, { fold: !flag(args, "unfold") });
    io.out(flag(args, "json") ? JSON.stringify({ model: model.config.arch.name, ...(model.config.preset ? { preset: model.config.preset } : {}), label, tree }) : tree);
    return 0;
  },
};
