import { printModuleTree } from "../../compiler/print/module-tree.js";
import { flag } from "../args.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const print: Command = {
  summary: "print the module tree exactly as PyTorch's print(model) does",
  usage: "print [FILE.arch[:PRESET] | config.json | CKPT_DIR] [--preset NAME] [--root BLOCK] [--unfold]  (--unfold: every list item, as torch < 2.0 prints them)",
  flags: ["unfold"],
  async run(args, io) {
    io.out(printModuleTree(selectElaborated(args).model.root, { fold: !flag(args, "unfold") }));
    return 0;
  },
};
