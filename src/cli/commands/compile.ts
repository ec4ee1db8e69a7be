import { ensureDir, writeAtomic } from "../files.js";
import { join } from "node:path";
import { fileNameClashes, generateModule } from "../../compiler/codegen/module.js";
import { error, hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { displayPath } from "../../compiler/workspace.js";
import { flag, opt, UsageError } from "../args.js";
import { failWith, workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

export const compile: Command = {
  summary: "write the generated TypeScript module of each architecture in FILE",
  usage: "compile FILE.arch -o DIR",
  flags: [],
  options: ["out"],
  maxPositional: 1,
  async run(args, io) {
    const file = args.positional[0];
    const out = opt(args, "out");
    if (!file) throw new UsageError("name an .arch file");
    if (!out) throw new UsageError("name an output folder with -o DIR");
    const ws = workspaceFor([file]);
    const shown = displayPath(file);
    const diags = checkWorkspace(ws, [shown]);
    if (hasErrors(diags)) failWith(ws, diags);
    const archs = [...ws.archs.values()].filter((a) => a.file === shown);
    if (!archs.length) failWith(ws, [error("E0113", undefined, `${shown} defines no architecture: nothing to compile`)]);
    // `arch Foo` and `arch FOO` would both be foo.ts: one module would silently replace the other.
    const clashes = fileNameClashes(archs);
    if (clashes.length) failWith(ws, clashes);
    ensureDir(out);
    const wrote: string[] = [];
    for (const arch of archs) {
      const g = await generateModule(arch);
      const path = join(out, g.fileName);
      writeAtomic(path, g.text);
      wrote.push(path);
      if (!flag(args, "json")) io.out(`wrote ${path}`);
    }
    if (flag(args, "json")) io.out(JSON.stringify({ wrote }));
    return 0;
  },
};
