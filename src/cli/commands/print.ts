import { printModuleTree } from "../../compiler/print/module-tree.js";
import { flag, opt } from "../args.js";
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
    const tree = printModuleTree(elaborated(ws, ref, opt(args, "root")).root);
    io.out(flag(args, "json") ? JSON.stringify({ model: ref.arch.name, ...(ref.preset ? { preset: ref.preset } : {}), tree }) : tree);
    return 0;
  },
};
