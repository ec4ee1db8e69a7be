import { readFileSync } from "node:fs";
import { parseArch } from "../../compiler/ast/build.js";
import { formatArch } from "../../compiler/format/format.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { displayPath, zooFiles } from "../../compiler/workspace.js";
import { flag } from "../args.js";
import { writeAtomic } from "./compile.js";
import type { Command } from "./command.js";

export const fmt: Command = {
  summary: "format .arch files canonically, in place (--check: only report; --stdout: print)",
  usage: "fmt [FILE.arch…] [--check | --stdout]",
  flags: ["check", "stdout"],
  options: [],
  async run(args, io) {
    const files = args.positional.length ? args.positional : zooFiles();
    let status = 0;
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      const shown = displayPath(f);
      // A file that does not parse is never touched: its syntax errors are reported instead.
      const parsed = parseArch(shown, text);
      const result = formatArch(text);
      if (parsed.diagnostics.length || !result.ok) {
        io.err(renderDiagnostics(parsed.diagnostics, new Map([[shown, text]])));
        status = 1;
        continue;
      }
      if (flag(args, "stdout")) io.out(result.text);
      else if (result.text !== text) {
        if (flag(args, "check")) {
          io.out(`${shown}: not formatted`);
          status = 1;
        } else {
          writeAtomic(f, result.text);
          io.out(`formatted ${shown}`);
        }
      }
    }
    return status;
  },
};
