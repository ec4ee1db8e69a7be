// `archc import CONFIG.json`: the printed preset, read back as .arch source, must give the
// configuration `verify` builds from the same config.json, and say it the way the config
// does (a float stays a float). Problems in the config are errors that name the key.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configValues } from "../../src/cli/checkpoint.js";
import { archLiteral } from "../../src/cli/commands/import.js";
import { formatValue } from "../../src/compiler/eval/evaluate.js";
import { selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import type { Value } from "../../src/compiler/ir/model.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { archc } from "./capture.js";

const conformance = "/work/shared/conformance";
const cases = existsSync(conformance) ? readdirSync(conformance).filter((d) => existsSync(join(conformance, d, "config.json"))).sort() : [];
const tmp = mkdtempSync(join(tmpdir(), "archc-import-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const zoo = loadWorkspace([]);

const readConfig = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** The printed preset inside a child of the architecture, resolved as any preset is. */
function resolvePrinted(base: string, printed: string): Map<string, Value> {
  const body = printed.replace(/^preset "(?:[^"\\]|\\.)*"/m, 'preset "p"');
  const file = join(tmp, `${base}-${Math.random().toString(36).slice(2)}.arch`);
  writeFileSync(file, `arch ImportCheck extends ${base} {\n${body}\n}\n`);
  const ws = loadWorkspace([file]);
  const mine = ws.diagnostics.filter((d) => d.severity === "error" && d.span?.file.endsWith(file.split("/").pop()!));
  expect(mine.map((d) => d.message), printed).toEqual([]);
  const r = configFor(ws.archs.get("ImportCheck")!, "p");
  expect(r.diagnostics.map((d) => d.message), printed).toEqual([]);
  return r.values;
}

const plain = (m: Map<string, Value>) => Object.fromEntries([...m].map(([k, v]) => [k, formatValue(v)]));

function writeConfig(name: string, json: Record<string, unknown>): string {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe("archc import: every conformance config", () => {
  it("finds the conformance cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  for (const name of cases) {
    const file = join(conformance, name, "config.json");
    const json = readConfig(file);
    const sel = selectArchForConfig(zoo.archs.values(), json);
    // A family another engineer has not written yet has no .arch: nothing to import into.
    it.skipIf("code" in sel)(`${name}: the printed preset resolves to verify's configuration`, async () => {
      const r = await archc("import", file);
      expect(r.code, r.err).toBe(0);
      const [header, ...rest] = r.out.trimEnd().split("\n");
      const archName = /^# (\w+) \(/.exec(header!)?.[1];
      expect(archName, header).toBeDefined();
      const printed = rest.join("\n");
      // What verify runs: the same config.json through the checkpoint loader.
      const ws = loadWorkspace([]);
      const { arch, root, values } = configValues(ws, json, file);
      expect(arch.name).toBe(archName);
      expect(/^preset "(?:[^"\\]|\\.)*" root (\w+) \{/m.exec(printed)?.[1] ?? arch.root?.block).toBe(root);
      const expected = configFor(arch, undefined, values);
      expect(expected.diagnostics).toEqual([]);
      const actual = resolvePrinted(archName!, printed);
      expect(plain(actual)).toEqual(plain(expected.values));
      // And independently of the mapping code: a hyperparameter read from a config.json
      // key has that key's value.
      for (const p of arch.params.values()) {
        const raw = p.hfKeys.map((k) => k.reduce<unknown>((o, s) => (o && typeof o === "object" ? (o as Record<string, unknown>)[s] : undefined), json)).find((x) => x !== undefined && x !== null);
        if (raw === undefined) continue;
        expect(actual.get(p.name), `${p.name} <- ${p.hfKeys.map((k) => k.join(".")).join(", ")}`).toEqual(raw);
      }
    });
  }
});

describe("archc import: literals", () => {
  const llamaFile = join(conformance, "llama-tiny", "config.json");
  const llama = existsSync(llamaFile) ? readConfig(llamaFile) : {};

  it("writes a float with an integral value as a float literal", async () => {
    const r = await archc("import", llamaFile);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}theta = 500000\.0$/m); // rope_theta: 500000.0
    expect(r.out).toMatch(/^ {2}vocab = 160$/m);
    expect(r.out).not.toMatch(/\b1e-05\b/); // rms_norm_eps is llama's default
    const eps = await archc("import", writeConfig("eps", { ...llama, rms_norm_eps: 1e-6, rope_theta: 1e16 }));
    expect(eps.out).toMatch(/^ {2}eps = 1e-06$/m);
    expect(eps.out).toMatch(/^ {2}theta = 1e\+16$/m);
    expect(resolvePrinted("Llama", eps.out.split("\n").slice(1).join("\n")).get("theta")).toBe(1e16);
  });

  it("writes every float literal so that it reads back exactly", () => {
    const floats = [500000, 1e-5, 1e-12, 0.1, 1 / 3, 2.5e-7, 1e16, 1e21, 123456789.125, -0.5, -3, 0, Number.MAX_VALUE, Number.MIN_VALUE];
    const file = join(tmp, "floats.arch");
    writeFileSync(file, `arch FloatCheck extends Llama {\n${floats.map((x, i) => `  preset "f${i}" { theta = ${archLiteralOf(x)} }`).join("\n")}\n}\n`);
    const arch = loadWorkspace([file]).archs.get("FloatCheck")!;
    floats.forEach((x, i) => {
      expect(archLiteralOf(x)).toMatch(/\.|e/); // a float literal, never an int
      expect(configFor(arch, `f${i}`).values.get("theta"), archLiteralOf(x)).toBe(x);
    });
  });

  it("quotes and escapes strings (and the preset name)", async () => {
    const act = 'we"ird\\act\n\ttab';
    const r = await archc("import", writeConfig("strings", { ...llama, hidden_act: act, _name_or_path: 'org/my "model" \\ v2' }));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('preset "my \\"model\\" \\\\ v2" {');
    const values = resolvePrinted("Llama", r.out.split("\n").slice(1).join("\n"));
    expect(values.get("act")).toBe(act);
  });

  it("a default computed from a changed value is still set when the config says so", async () => {
    // llama: head_dim defaults to d / heads = 4096 / 32 = 128. Here d / heads = 16, head_dim 128.
    const r = await archc("import", writeConfig("kv", { ...llama, head_dim: 128 }));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^ {2}head_dim = 128$/m);
    expect(resolvePrinted("Llama", r.out.split("\n").slice(1).join("\n")).get("head_dim")).toBe(128);
  });

  it("names the root when the config asks for another class of the architecture", async () => {
    const r = await archc("import", writeConfig("base", { ...llama, architectures: ["LlamaModel"] }));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^preset "imported" root Model \{$/m);
  });
});

describe("archc import: problems are errors that name the key", () => {
  const llama = readConfig(join(conformance, "llama-tiny", "config.json"));

  it("an unknown key", async () => {
    const r = await archc("import", writeConfig("unknown", { ...llama, frobnication_level: 3 }));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/does not understand: frobnication_level/);
  });

  it("an unknown sub-key of an object read key by key (rope_scaling)", async () => {
    const ok = await archc("import", writeConfig("rope-ok", { ...llama, rope_scaling: { type: "linear", factor: 4.0 } }));
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^ {2}rope_factor = 4\.0$/m);
    const r = await archc("import", writeConfig("rope-extra", { ...llama, rope_scaling: { rope_type: "llama3", factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0 } }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/rope_scaling\.low_freq_factor/);
    expect(r.err).toMatch(/rope_scaling\.high_freq_factor/);
  });

  it("a string where an int belongs: the key, expected and found", async () => {
    const r = await archc("import", writeConfig("mistyped", { ...llama, num_attention_heads: "4" }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/`num_attention_heads` should be int/);
    expect(r.err).toMatch(/expected: int/);
    expect(r.err).toMatch(/found: "4"/);
    const json = JSON.parse((await archc("import", writeConfig("mistyped", { ...llama, num_attention_heads: "4" }), "--json")).out);
    expect(json.diagnostics[0]).toMatchObject({ expected: "int", found: '"4"' });
  });

  it("a list with an element of the wrong type", async () => {
    const elm = readConfig(join(conformance, "openelm-tiny", "config.json"));
    const r = await archc("import", writeConfig("list", { ...elm, ffn_multipliers: [0.5, "2"] }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/`ffn_multipliers` should be float\[\]/);
  });

  it("a config no architecture handles", async () => {
    const r = await archc("import", writeConfig("nobody", { model_type: "no-such-model", architectures: ["NoSuchForCausalLM"] }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no-such-model/);
  });
});

function archLiteralOf(x: number): string {
  return archLiteral(x, { name: "float" });
}
