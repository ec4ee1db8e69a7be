// How quickly `archc lsp --stdio` answers after an edit of a zoo file, as an editor sees it:
// the time from didChange to the hover response, and to the diagnostics (which wait for the
// 150 ms typing pause first; that pause is reported apart). A benchmark, not a test:
//   npx tsx scripts/bench-lsp.mts [models/llama.arch] [rounds]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LspClient } from "../test/lsp/client.js";

const file = resolve(process.argv[2] ?? "models/llama.arch");
const rounds = Number(process.argv[3] ?? 20);
const text = readFileSync(file, "utf8");
const uri = pathToFileURL(file).toString();
const client = new LspClient();
await client.request("initialize", { processId: null, rootUri: null, capabilities: {} });
client.notify("initialized", {});
client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "arch", version: 0, text } });
await client.diagnosticsFor(uri);

// Hover over the first `return` expression of a forward body.
const at = text.indexOf("return ") + "return ".length + 1;
const before = text.slice(0, at);
const position = { line: before.split("\n").length - 1, character: at - before.lastIndexOf("\n") - 1 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const hover: number[] = [];
const diagnostics: number[] = [];
const diagnosticsAlone: number[] = [];
let version = 0;
for (let i = 1; i <= rounds; i++) {
  // An edit with no request after it: the diagnostics alone build the snapshot.
  const t1 = performance.now();
  client.notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: `${text}\n# alone ${i}\n` }] });
  await client.diagnosticsFor(uri);
  diagnosticsAlone.push(performance.now() - t1 - 150);
  // A comment edit changes the text (a new snapshot) without changing the model.
  const edited = `${text}\n# edit ${i}\n`;
  const t0 = performance.now();
  client.notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges: [{ text: edited }] });
  await client.request("textDocument/hover", { textDocument: { uri }, position });
  hover.push(performance.now() - t0);
  await client.diagnosticsFor(uri);
  diagnostics.push(performance.now() - t0 - 150);
}
await client.close();
console.log(
  JSON.stringify({
    file,
    rounds,
    hover_ms_median: Math.round(median(hover)),
    diagnostics_after_hover_ms_median_after_debounce: Math.round(median(diagnostics)),
    diagnostics_alone_ms_median_after_debounce: Math.round(median(diagnosticsAlone)),
  }),
);
