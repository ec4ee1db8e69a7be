import { mkdirSync } from "node:fs";
import { atPath, writeAtomic } from "../files.js";
import { join } from "node:path";
import { generateModule } from "../../compiler/codegen/module.js";
import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { displayPath } from "../../compiler/workspace.js";
import { opt, UsageError } from "../args.js";
import { failWith, workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

export { writeAtomic };

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
    atPath(out, () => mkdirSync(out, { recursive: true }));
    for (const arch of ws.archs.values()) {
      if (arch.file !== shown) continue;
      const g = await generateModule(arch);
      const path = join(out, g.fileName);
      writeAtomic(path, g.text);
      io.out(`wrote ${path}`);
    }
    return 0;
  },
};
