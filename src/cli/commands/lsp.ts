import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { startServer } from "../../lsp/server.js";
import type { Command } from "./command.js";

export const lsp: Command = {
  summary: "the language server (LSP over standard input and output) for editors",
  usage: "lsp --stdio",
  flags: ["stdio"],
  async run(_args, _io) {
    // vscode-languageserver reads `--stdio` from the process's own arguments.
    const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
    startServer(connection);
    // The server runs until the editor closes the connection (it exits the process then).
    return new Promise<number>(() => {});
  },
};
