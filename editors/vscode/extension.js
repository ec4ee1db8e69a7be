// Starts `archc lsp --stdio` for .arch files. The server does all the work; this file only
// tells VS Code how to reach it (the command is a setting, `npx archc` by default).
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("archc");
  const [command, ...args] = settings.get("command", ["npx", "archc"]);
  const preset = settings.get("preset", "");
  client = new LanguageClient(
    "archc",
    "archc",
    { command, args: [...args, "lsp", "--stdio"], transport: TransportKind.stdio, options: { shell: process.platform === "win32" } },
    { documentSelector: [{ scheme: "file", language: "arch" }], initializationOptions: preset ? { preset } : {} },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
