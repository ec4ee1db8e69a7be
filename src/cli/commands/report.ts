import { hasErrors } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { displayPath, loadWorkspace } from "../../compiler/workspace.js";
import { flag, opt, UsageError } from "../args.js";
import { buildReport } from "../report/site.js";
import { failWith } from "./model-ref.js";
import type { Command } from "./command.js";

export const report: Command = {
  summary: "build a static HTML report of the zoo (table, a page per model, a compare page) that opens from file://",
  usage: "report [FILE.arch…] -o DIR",
  flags: [],
  options: ["out"],
  async run(args, io) {
    const out = opt(args, "out");
    if (!out) throw new UsageError("name the output folder with -o DIR");
    const ws = loadWorkspace(args.positional);
    // Named files narrow the report to their architectures (the zoo still resolves `extends`).
    const only = args.positional.length ? new Set(args.positional.map(displayPath)) : undefined;
    const errs = checkWorkspace(ws, only ? [...only] : undefined).filter((d) => d.severity === "error");
    if (hasErrors(errs)) failWith(ws, errs);
    const tty = process.stderr.isTTY;
    const files = buildReport(ws, out, only, (done, total, what) => {
      const line = `[${done}/${total}] ${what}`;
      if (tty) process.stderr.write(`\r${line.padEnd(60)}`);
      else io.err(line);
    });
    if (tty) process.stderr.write("\n");
    io.out(flag(args, "json") ? JSON.stringify({ out, files: files.length }) : `wrote ${files.length} files to ${out} (open ${out}/index.html)`);
    return 0;
  },
};
