import { printModuleTree } from "../../compiler/print/module-tree.js";
import { flag, opt } from "../args.js";
import { elaborated, selectModel } from "./model-ref.js";
import type { Command } from "./command.js";

export const print: Command = {
  summary: "print the module tree exactly as PyTorch's print(model) does",
  usage: "print [FILE.arch[:PRESET]] [--preset NAME] [--root BLOCK] [--unfold]  (--unfold: every list item, as torch < 2.0 prints them)",
  flags: ["unfold"],
  async run(args, io) {
    const { ws, ref } = selectModel(args);
    io.out(printModuleTree(elaborated(ws, ref, opt(args, "root")).root, { fold: !flag(args, "unfold") }));
    return 0;
  },
};
