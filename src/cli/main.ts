// The archc command line. Every user error ends as printed diagnostics and exit code 1;
// a stack trace is only shown for an internal error, and only with ARCHC_DEBUG=1.
import { parseArgs, flag, opt, UsageError, type ParsedArgs } from "./args.js";
import { DiagnosticError } from "../compiler/diagnostics/diagnostic.js";
import { renderDiagnostics, diagnosticsToJson } from "../compiler/diagnostics/render.js";
import { WeightsError, WeightBindError, ConfigError, RuntimeShapeError, RuntimeArgumentError, RuntimeIndexError } from "../runtime/index.js";
import { commands } from "./commands/index.js";
import type { Io } from "./io.js";

export type { Io } from "./io.js";

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
  progress: (s) => void (process.stderr.isTTY && process.stderr.write(s)),
};

export function usage(): string {
  const lines = ["usage: archc <command> [arguments]", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push("", "Run `archc <command> --help` for a command's arguments.");
  return lines.join("\n");
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === "--version") {
    io.out("archc 0.1.0");
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    io.err(`archc: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  let args: ParsedArgs | undefined;
  try {
    args = parseArgs(rest, new Set([...cmd.flags, "help", "json"]));
    if (flag(args, "help")) {
      io.out(`usage: archc ${cmd.usage}\n\n${cmd.summary}`);
      return 0;
    }
    return await cmd.run(args, io);
  } catch (e) {
    return reportError(e, io, args ? flag(args, "json") : false, cmd.usage);
  }
}

function reportError(e: unknown, io: Io, json: boolean, cmdUsage: string): number {
  if (e instanceof UsageError) {
    io.err(`archc: ${e.message}\nusage: archc ${cmdUsage}`);
    return 2;
  }
  if (e instanceof DiagnosticError) {
    const sources = (e as DiagnosticError & { sources?: Map<string, string> }).sources ?? new Map();
    if (json) io.out(JSON.stringify({ diagnostics: diagnosticsToJson(e.diagnostics) }, null, 2));
    else io.err(renderDiagnostics(e.diagnostics, sources));
    return 1;
  }
  const known = [WeightsError, WeightBindError, ConfigError, RuntimeShapeError, RuntimeArgumentError, RuntimeIndexError];
  if (known.some((k) => e instanceof k)) {
    const msg = (e as Error).message;
    if (json) io.out(JSON.stringify({ error: (e as Error).name, message: msg }, null, 2));
    else io.err(`error: ${msg}`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.path === "string") {
    io.err(`error: ${err.path}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
    return 1;
  }
  io.err(`archc: internal error: ${(e as Error)?.message ?? String(e)}${process.env.ARCHC_DEBUG ? `\n${(e as Error)?.stack ?? ""}` : "\n(set ARCHC_DEBUG=1 for a stack trace, and please report it)"}`);
  return 70;
}

export { opt };
