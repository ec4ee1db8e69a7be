import { printModuleTree } from "../../compiler/print/module-tree.js";
import { opt } from "../args.js";
import { elaborated, selectModel } from "./model-ref.js";
import type { Command } from "./command.js";

export const print: Command = {
  summary: "print the module tree exactly as PyTorch's print(model) does",
  usage: "print [FILE.arch[:PRESET]] [--preset NAME] [--root BLOCK]",
  flags: [],
  options: ["preset", "root"],
  maxPositional: 1,
  async run(args, io) {
    const { ws, ref } = selectModel(args);
    io.out(printModuleTree(elaborated(ws, ref, opt(args, "root")).root));
    return 0;
  },
};
