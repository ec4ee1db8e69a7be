// The commands, each loaded when it is run: a command's module brings in what it needs (the
// code generator, the runtime, the language server, the ONNX writer, the report's renderer),
// and loading all of them cost every `archc` call ~0.5 s before any work (`archc verify`
// loaded in 1.34 s with every command, 0.82 s alone).
import type { Command } from "./command.js";

const loaders = {
  zoo: async () => (await import("./zoo.js")).zoo,
  check: async () => (await import("./check.js")).check,
  compile: async () => (await import("./compile.js")).compile,
  print: async () => (await import("./print.js")).print,
  stats: async () => (await import("./stats.js")).stats,
  run: async () => (await import("./run.js")).run,
  verify: async () => (await import("./verify.js")).verify,
  import: async () => (await import("./import.js")).importCmd,
  diff: async () => (await import("./diff.js")).diff,
  table: async () => (await import("./table.js")).table,
  draw: async () => (await import("./draw.js")).draw,
  report: async () => (await import("./report.js")).report,
  fmt: async () => (await import("./fmt.js")).fmt,
  bench: async () => (await import("./bench.js")).bench,
  lsp: async () => (await import("./lsp.js")).lsp,
  export: async () => (await import("./export.js")).exportCmd,
} satisfies Record<string, () => Promise<Command>>;

/** The command names, in the order `archc --help` lists them. */
export const commandNames: readonly string[] = Object.keys(loaders);

/** The command called `name`, loaded; undefined when there is none. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(loaders, name) ? loaders[name as keyof typeof loaders]() : undefined;
}

/** Every command, loaded (the overall help and the tests). */
export async function loadCommands(): Promise<Record<string, Command>> {
  const all: Record<string, Command> = {};
  for (const name of commandNames) all[name] = await loadCommand(name)!;
  return all;
}
