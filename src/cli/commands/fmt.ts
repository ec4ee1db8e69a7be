import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArch } from "../../compiler/ast/build.js";
import { decodeSource } from "../../compiler/ast/source-text.js";
import { formatArch } from "../../compiler/format/format.js";
import { diagnosticsToJson, renderDiagnostics } from "../../compiler/diagnostics/render.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { displayPath, zooFiles } from "../../compiler/workspace.js";
import { flag } from "../args.js";
import { FileError, readUserFile, rewriteInPlace } from "../files.js";
import type { Command } from "./command.js";

type Status = "formatted" | "unchanged" | "not formatted" | "error";

/**
 * The formatter works on `\n`; a file written with `\r\n` or lone `\r` line breaks gets
 * them back, so that fmt changes layout and never the file's line-ending convention.
 */
function lineEnding(text: string): "\n" | "\r\n" | "\r" {
  const m = /\r\n|\r|\n/.exec(text);
  return (m?.[0] as "\n" | "\r\n" | "\r" | undefined) ?? "\n";
}

/** A folder stands for the `.arch` files directly in it (`archc fmt --check models/`); any other path for itself. */
function archFilesIn(path: string): string[] {
  let entries: string[];
  try {
    if (!statSync(path).isDirectory()) return [path];
    entries = readdirSync(path);
  } catch {
    return [path]; // reading it reports what is wrong, at its turn
  }
  const found = entries.filter((f) => f.endsWith(".arch")).sort().map((f) => join(path, f));
  return found.length ? found : [path];
}

export const fmt: Command = {
  summary: "format .arch files canonically, in place (--check: only report; --stdout: print)",
  usage: "fmt [FILE.arch… | FOLDER…] [--check | --stdout] [--json]   (a folder: the .arch files in it)",
  flags: ["check", "stdout"],
  options: [],
  async run(args, io) {
    const files = args.positional.length ? args.positional.flatMap(archFilesIn) : zooFiles();
    const json = flag(args, "json");
    const results: { file: string; status: Status; text?: string; diagnostics?: ReturnType<typeof diagnosticsToJson>; error?: string }[] = [];
    let status = 0;
    const fail = (shown: string, diags: Diagnostic[], sources: Map<string, string>) => {
      if (!json) io.err(renderDiagnostics(diags, sources));
      results.push({ file: shown, status: "error", diagnostics: diagnosticsToJson(diags) });
      status = 1;
    };
    for (const f of files) {
      const shown = displayPath(f);
      let bytes: Buffer;
      try {
        bytes = readUserFile(f);
      } catch (e) {
        // One unreadable file (a folder, a missing path) does not stop the others.
        if (!(e instanceof FileError)) throw e;
        if (!json) io.err(`error: ${e.message}`);
        results.push({ file: shown, status: "error", error: e.message });
        status = 1;
        continue;
      }
      const decoded = decodeSource(shown, bytes);
      if ("diagnostic" in decoded) {
        fail(shown, [decoded.diagnostic], new Map([[shown, bytes.toString("utf8")]]));
        continue;
      }
      const text = decoded.text;
      const eol = lineEnding(text);
      const lf = eol === "\n" ? text : text.replace(/\r\n?/g, "\n");
      // A file that does not parse is never touched: its syntax errors are reported instead.
      const parsed = parseArch(shown, text);
      const result = formatArch(lf);
      if (parsed.diagnostics.length || !result.ok) {
        fail(shown, parsed.diagnostics, new Map([[shown, text]]));
        continue;
      }
      const formatted = eol === "\n" ? result.text : result.text.replace(/\n/g, eol);
      if (flag(args, "stdout")) {
        if (!json) io.out(formatted);
        results.push({ file: shown, status: formatted === text ? "unchanged" : "not formatted", ...(json ? { text: formatted } : {}) });
      } else if (formatted === text) results.push({ file: shown, status: "unchanged" });
      else if (flag(args, "check")) {
        if (!json) io.out(`${shown}: not formatted`);
        results.push({ file: shown, status: "not formatted" });
        status = 1;
      } else {
        rewriteInPlace(f, formatted);
        if (!json) io.out(`formatted ${shown}`);
        results.push({ file: shown, status: "formatted" });
      }
    }
    if (json) io.out(JSON.stringify({ files: results }, null, 2));
    return status;
  },
};
