// The archc command line. Every user error ends as printed diagnostics and exit code 1;
// a stack trace is only shown for an internal error, and only with ARCHC_DEBUG=1.
import { parseArgs, opt, UsageError, type ParsedArgs } from "./args.js";
import { DiagnosticError } from "../compiler/diagnostics/diagnostic.js";
import { renderDiagnostics, diagnosticsToJson } from "../compiler/diagnostics/render.js";
import { loadCommand, loadCommands } from "./commands/index.js";
import type { Io } from "./io.js";
import { asUserError } from "./user-error.js";

export type { Io } from "./io.js";

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
  progress: (s) => void (process.stderr.isTTY && process.stderr.write(s)),
};

export async function usage(): Promise<string> {
  const lines = ["usage: archc <command> [arguments]", "", "commands:"];
  for (const [name, c] of Object.entries(await loadCommands())) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push("", "Run `archc <command> --help` for a command's arguments.");
  return lines.join("\n");
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(await usage());
    return name ? 0 : 2;
  }
  if (name === "--version") {
    io.out("archc 0.1.0");
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`archc: unknown command ${JSON.stringify(name)}\n\n${await usage()}`);
    return 2;
  }
  // --help wins over anything else on the line, even an unknown option.
  const dashes = rest.indexOf("--");
  const options = dashes < 0 ? rest : rest.slice(0, dashes);
  if (options.includes("--help") || options.includes("-h")) {
    io.out(`usage: archc ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  const json = options.includes("--json");
  try {
    const args: ParsedArgs = parseArgs(rest, { flags: new Set([...cmd.flags, "help", "json"]), options: new Set(cmd.options), maxPositional: cmd.maxPositional });
    return await cmd.run(args, io);
  } catch (e) {
    return reportError(e, io, json, cmd.usage);
  }
}


function reportError(e: unknown, io: Io, json: boolean, cmdUsage: string): number {
  if (e instanceof UsageError) {
    if (json) io.out(JSON.stringify({ error: "UsageError", message: e.message, usage: `archc ${cmdUsage}` }, null, 2));
    io.err(`archc: ${e.message}\nusage: archc ${cmdUsage}`);
    return 2;
  }
  if (e instanceof DiagnosticError) {
    const sources = (e as DiagnosticError & { sources?: Map<string, string> }).sources ?? new Map();
    if (json) io.out(JSON.stringify({ diagnostics: diagnosticsToJson(e.diagnostics) }, null, 2));
    else io.err(renderDiagnostics(e.diagnostics, sources));
    return 1;
  }
  const user = asUserError(e);
  if (user) {
    const msg = user.error.message;
    if (json) io.out(JSON.stringify({ error: user.kind, message: msg }, null, 2));
    else io.err(`error: ${msg}`);
    return 1;
  }
  if (json) io.out(JSON.stringify({ error: "InternalError", message: (e as Error)?.message ?? String(e) }, null, 2));
  io.err(`archc: internal error: ${(e as Error)?.message ?? String(e)}${process.env.ARCHC_DEBUG ? `\n${(e as Error)?.stack ?? ""}` : "\n(set ARCHC_DEBUG=1 for a stack trace, and please report it)"}`);
  return 70;
}

export { opt };
