// `archc lsp --stdio` driven as an editor drives it: initialize → didOpen → didChange →
// requests, over JSON-RPC on the child's stdio. Expected positions and texts are written
// by hand from the sources below.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient } from "./client.js";

const dir = mkdtempSync(join(tmpdir(), "archc-lsp-"));
const basePath = join(dir, "small.arch");
const derivedPath = join(dir, "derived.arch");
const base = `arch Small {
  param d: int = 8 <- hidden_size
  param heads: int = 2
  block Mixer {
    proj: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      let y = proj(x)
      return y + x
    }
  }
  root Mixer
  preset "small-a" { d = 16 }
}
`;
const derived = `arch Derived extends Small {
  override param heads: int = 4
  preset "derived-a" { d = 32 }
}
`;
writeFileSync(basePath, base);
writeFileSync(derivedPath, derived);
const baseUri = pathToFileURL(basePath).toString();
const derivedUri = pathToFileURL(derivedPath).toString();

/** The LSP position of the `nth` occurrence of `needle` in `text` (plus `delta` characters). */
function pos(text: string, needle: string, nth = 0, delta = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, at + delta);
  return { line: before.split("\n").length - 1, character: at + delta - before.lastIndexOf("\n") - 1 };
}

let c: LspClient;
let version = 1;
const open = (uri: string, text: string) => c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "arch", version: version++, text } });
const change = (uri: string, text: string) => c.notify("textDocument/didChange", { textDocument: { uri, version: version++ }, contentChanges: [{ text }] });

beforeAll(async () => {
  c = new LspClient();
  const init = await c.request("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { preset: "small-a" } });
  expect(init.capabilities.hoverProvider).toBe(true);
  c.notify("initialized", {});
  open(baseUri, base);
  open(derivedUri, derived);
}, 120_000);

afterAll(async () => {
  await c?.close();
});

describe("archc lsp --stdio", () => {
  it("publishes no diagnostics for a clean file, then the checker's located error after a change, then none after the fix", async () => {
    expect(await c.diagnosticsFor(baseUri)).toEqual([]);
    const broken = base.replace("proj: Linear(d, d)", "proj: Linear(d, 2 * d)");
    change(baseUri, broken);
    let diags = await c.diagnosticsFor(baseUri);
    while (diags.length === 0) diags = await c.diagnosticsFor(baseUri); // the open of derived.arch may publish first
    expect(diags).toHaveLength(1);
    expect(diags[0].code).toBe("E0301");
    expect(diags[0].source).toBe("archc");
    // `y + x` on line 8 (0-based 7): [B, T, 2*d] + [B, T, d].
    expect(diags[0].range.start).toEqual(pos(broken, "y + x"));
    change(baseUri, base);
    diags = await c.diagnosticsFor(baseUri);
    while (diags.length) diags = await c.diagnosticsFor(baseUri);
    expect(diags).toEqual([]);
  });

  it("re-checks a file that extends the changed one: dropping a param the derived file overrides is reported in the derived file", async () => {
    const dropped = base.replace("  param heads: int = 2\n", "");
    change(baseUri, dropped);
    let diags = await c.diagnosticsFor(derivedUri);
    while (diags.length === 0) diags = await c.diagnosticsFor(derivedUri);
    expect(diags.map((d: any) => d.code)).toEqual(["E0105"]);
    expect(diags[0].range.start).toEqual(pos(derived, "heads"));
    change(baseUri, base);
    while ((await c.diagnosticsFor(derivedUri)).length) {}
  });

  it("hovers a local with its symbolic shape and the chosen preset's numbers", async () => {
    const h = await c.request("textDocument/hover", { textDocument: { uri: baseUri }, position: pos(base, "y + x") });
    expect(h.contents.value).toContain("y: [B, T, d]");
    expect(h.contents.value).toContain('preset "small-a": [B, T, 16]');
  });

  it("hovers an op with its signature and docs, and a param with its config key and per-configuration values", async () => {
    const withOp = base.replace("return y + x", "return silu(y) + x");
    change(baseUri, withOp);
    await c.diagnosticsFor(baseUri);
    const op = await c.request("textDocument/hover", { textDocument: { uri: baseUri }, position: pos(withOp, "silu") });
    expect(op.contents.value).toContain("silu(x)");
    const param = await c.request("textDocument/hover", { textDocument: { uri: baseUri }, position: pos(withOp, "param d", 0, 6) });
    expect(param.contents.value).toContain("hidden_size");
    expect(param.contents.value).toMatch(/\| the defaults \| 8 \|/);
    expect(param.contents.value).toMatch(/\| preset "small-a" \| 16 \|/);
    change(baseUri, base);
    await c.diagnosticsFor(baseUri);
  });

  it("goes to the definition of a submodule and of a param used in another file's preset", async () => {
    const def = await c.request("textDocument/definition", { textDocument: { uri: baseUri }, position: pos(base, "proj(x)") });
    expect(def.uri).toBe(baseUri);
    expect(def.range.start).toEqual(pos(base, "proj: Linear"));
    const across = await c.request("textDocument/definition", { textDocument: { uri: derivedUri }, position: pos(derived, "d = 32") });
    expect(across.uri).toBe(baseUri);
    expect(across.range.start).toEqual(pos(base, "d: int", 0));
    const parent = await c.request("textDocument/definition", { textDocument: { uri: derivedUri }, position: pos(derived, "Small") });
    expect(parent.range.start).toEqual(pos(base, "Small"));
  });

  it("finds every reference of a param across files and renames it in all of them", async () => {
    const refs = await c.request("textDocument/references", { textDocument: { uri: baseUri }, position: pos(base, "param d", 0, 6), context: { includeDeclaration: true } });
    // Declaration, Linear(d, d) twice, the forward's [B, T, d] twice, the two presets.
    const where = refs.map((r: any) => `${r.uri === baseUri ? "base" : "derived"}:${r.range.start.line}:${r.range.start.character}`).sort();
    expect(where).toEqual(
      [pos(base, "d: int"), pos(base, "d, d"), pos(base, "d)"), pos(base, "d]"), pos(base, "d]", 1), pos(base, "d = 16")].map((p) => `base:${p.line}:${p.character}`).concat(`derived:${pos(derived, "d = 32").line}:${pos(derived, "d = 32").character}`).sort(),
    );
    const edit = await c.request("textDocument/rename", { textDocument: { uri: baseUri }, position: pos(base, "param d", 0, 6), newName: "width" });
    expect(Object.keys(edit.changes).sort()).toEqual([baseUri, derivedUri].sort());
    expect(edit.changes[derivedUri]).toHaveLength(1);
    expect(edit.changes[baseUri]).toHaveLength(6);
  });

  it("completes ops with their signatures, primitives, params and the block's submodules", async () => {
    const items = await c.request("textDocument/completion", { textDocument: { uri: baseUri }, position: pos(base, "return y") });
    const byLabel = new Map(items.map((i: any) => [i.label, i]));
    expect((byLabel.get("rope") as any)?.detail).toMatch(/^rope\(/);
    expect(byLabel.has("Linear")).toBe(true);
    expect(byLabel.has("heads")).toBe(true);
    expect(byLabel.has("proj")).toBe(true);
    expect(byLabel.has("y")).toBe(true);
  });

  it("outlines a file: the arch with its params, blocks and presets", async () => {
    const symbols = await c.request("textDocument/documentSymbol", { textDocument: { uri: baseUri } });
    expect(symbols.map((s: any) => s.name)).toEqual(["Small"]);
    expect(symbols[0].children.map((s: any) => s.name)).toEqual(["d", "heads", "Mixer", "small-a"]);
  });

  it("formats through archc fmt", async () => {
    const messy = base.replace("param heads: int = 2", "param   heads :int=2");
    change(baseUri, messy);
    await c.diagnosticsFor(baseUri);
    const edits = await c.request("textDocument/formatting", { textDocument: { uri: baseUri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0].newText).toBe(base);
    change(baseUri, base);
    await c.diagnosticsFor(baseUri);
  });

  it("offers the hint's edit as a quick fix: the did-you-mean name and a missing override", async () => {
    const typo = base.replace("return y + x", "return y + xx");
    change(baseUri, typo);
    let diags = await c.diagnosticsFor(baseUri);
    while (diags.length === 0) diags = await c.diagnosticsFor(baseUri);
    const at = pos(typo, "xx");
    const actions = await c.request("textDocument/codeAction", { textDocument: { uri: baseUri }, range: { start: at, end: at }, context: { diagnostics: diags } });
    const fix = actions.find((a: any) => a.title === "Change to `x`");
    expect(fix?.edit.changes[baseUri][0]).toEqual({ range: { start: at, end: pos(typo, "xx", 0, 2) }, newText: "x" });
    change(baseUri, base);
    await c.diagnosticsFor(baseUri);

    const noOverride = derived.replace("override param heads", "param heads");
    change(derivedUri, noOverride);
    let d2 = await c.diagnosticsFor(derivedUri);
    while (d2.length === 0) d2 = await c.diagnosticsFor(derivedUri);
    const p = pos(noOverride, "heads");
    const acts = await c.request("textDocument/codeAction", { textDocument: { uri: derivedUri }, range: { start: p, end: p }, context: { diagnostics: d2 } });
    const add = acts.find((a: any) => a.title === "Add `override`");
    const start = pos(noOverride, "param heads");
    expect(add?.edit.changes[derivedUri][0]).toEqual({ range: { start, end: start }, newText: "override " });
    change(derivedUri, derived);
    await c.diagnosticsFor(derivedUri);
  });

  it("offers the suggested `require` as a quick fix, inserted after the last hyperparameter", async () => {
    const indivisible = base.replace("param heads: int = 2", "param heads: int = 3").replace("let y = proj(x)", "let y = merge_heads(split_heads(proj(x), heads))");
    change(baseUri, indivisible);
    let diags = await c.diagnosticsFor(baseUri);
    while (diags.length === 0) diags = await c.diagnosticsFor(baseUri);
    expect(diags.map((d: any) => d.code)).toContain("E0304");
    const at = pos(indivisible, "split_heads");
    const actions = await c.request("textDocument/codeAction", { textDocument: { uri: baseUri }, range: { start: at, end: at }, context: { diagnostics: diags } });
    const add = actions.find((a: any) => a.title === "Add `require d % heads == 0`");
    const after = pos(indivisible, "param heads: int = 3", 0, "param heads: int = 3".length);
    expect(add?.edit.changes[baseUri][0]).toEqual({ range: { start: after, end: after }, newText: "\n  require d % heads == 0" });
    change(baseUri, base);
    while ((await c.diagnosticsFor(baseUri)).length) {}
  });

  it("checks a zoo file as typed: a wrong head count in llama.arch is reported at its require, with the preset as related information", async () => {
    const path = join(__dirname, "../../models/llama.arch");
    const uri = pathToFileURL(path).toString();
    const text = readFileSync(path, "utf8");
    open(uri, text);
    expect(await c.diagnosticsFor(uri)).toEqual([]);
    const wrong = text.replace("param kv_heads: int = heads", "param kv_heads: int = 3");
    change(uri, wrong);
    let diags = await c.diagnosticsFor(uri);
    while (diags.length === 0) diags = await c.diagnosticsFor(uri);
    expect(diags[0].code).toBe("E0202");
    expect(diags[0].range.start).toEqual(pos(wrong, "heads % kv_heads == 0"));
    const withPreset = diags.find((d: any) => d.message.includes('preset "Llama-2-7b-hf"'));
    expect(withPreset.relatedInformation[0].location.range.start).toEqual(pos(wrong, '"Llama-2-7b-hf"'));
    c.notify("textDocument/didClose", { textDocument: { uri } });
  });
});
