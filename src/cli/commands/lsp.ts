import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "../../lsp/server.js";
import { flag, UsageError } from "../args.js";
import type { Command } from "./command.js";

export const lsp: Command = {
  summary: "the language server (LSP over standard input and output) for editors",
  usage: "lsp --stdio",
  flags: ["stdio"],
  options: [],
  async run(args, _io) {
    if (args.positional.length) throw new UsageError(`lsp takes no files (the editor sends them), found ${args.positional.join(" ")}`);
    if (!flag(args, "stdio")) throw new UsageError("lsp talks to the editor over standard input and output: run `archc lsp --stdio`");
    // vscode-languageserver reads `--stdio` from the process's own arguments.
    const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
    startServer(connection);
    // The server runs until the editor closes the connection (it exits the process then).
    return new Promise<number>(() => {});
  },
};
