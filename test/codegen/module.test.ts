// The generated module: a reviewed golden copy for the reference model, deterministic output,
// and no way for the text of an .arch file to become code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { instantiate } from "../../src/compiler/codegen/load.js";
import { generateModule } from "../../src/compiler/codegen/module.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { modelsDir } from "../../src/compiler/package-root.js";

const llamaFile = join(modelsDir(), "llama.arch");

async function generate(file: string, arch: string): Promise<string> {
  const ws = loadWorkspace([file], { includeZoo: false });
  expect(checkWorkspace(ws).filter((d) => d.severity === "error")).toEqual([]);
  return (await generateModule(ws.archs.get(arch)!)).text;
}

describe("codegen", () => {
  // Review a change to this file as you would review the codegen change that caused it;
  // `npx vitest run test/codegen -u` rewrites it.
  it("generates the reviewed module for models/llama.arch", async () => {
    await expect(await generate(llamaFile, "Llama")).toMatchFileSnapshot("./__snapshots__/llama.ts.snap");
  });

  // One of each kind besides the decoder: an encoder, a mixture of experts, a recurrence
  // (the zoo is loaded too, for the families that extend another).
  for (const [file, arch] of [["bert.arch", "Bert"], ["mixtral.arch", "Mixtral"], ["rwkv5.arch", "Rwkv5"]] as const) {
    it(`generates the reviewed module for models/${file}`, async () => {
      const ws = loadWorkspace([join(modelsDir(), file)]);
      expect(checkWorkspace(ws).filter((d) => d.severity === "error")).toEqual([]);
      await expect((await generateModule(ws.archs.get(arch)!)).text).toMatchFileSnapshot(`./__snapshots__/${arch.toLowerCase()}.ts.snap`);
    });
  }

  it("is deterministic: two independent runs give identical text", async () => {
    const a = await generate(llamaFile, "Llama");
    const b = await generate(llamaFile, "Llama");
    expect(b).toBe(a);
    const f = join(__dirname, "fixtures/features.arch");
    expect(await generate(f, "CodegenFeatures")).toBe(await generate(f, "CodegenFeatures"));
  });
});

describe("codegen: .arch text cannot inject code", () => {
  const file = join(__dirname, "fixtures/injection.arch");
  const source = readFileSync(file, "utf8");

  it("emits no identifier that the .arch file only mentions inside strings", async () => {
    const text = await generate(file, "Injection");
    const sf = ts.createSourceFile("injection.ts", text, ts.ScriptTarget.ES2022, true);
    const identifiers = new Set<string>();
    const walk = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) identifiers.add(n.text);
      n.forEachChild(walk);
    };
    walk(sf);
    expect(source).toMatch(/process\.exit/);
    expect(identifiers.has("process")).toBe(false);
    expect(identifiers.has("exit")).toBe(false);
    // Comments cannot be closed early either: every comment in the output is a whole comment.
    const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
    for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
      if (k === ts.SyntaxKind.MultiLineCommentTrivia) expect(scanner.getTokenText().indexOf("*/")).toBe(scanner.getTokenText().length - 2);
    }
  });

  it("carries every string through unchanged", async () => {
    const mod = instantiate(await generate(file, "Injection"));
    expect(Object.keys(mod.presets)).toEqual(['p*/ `${process.exit(14)}` "\n', "tiny"]);
    expect(mod.hf.modelTypes).toEqual(['inj"ect`${process.exit(4)}`*/', "x\u2028y\u2029z"]);
    const cfg = mod.configure({});
    expect(cfg.name).toBe('a"b`${process.exit(5)}`*/\n/*c');
    expect(cfg.label).toBe("*/ process.exit(6); /*");
    expect(cfg.nl).toBe("line\nbreak\r\n// process.exit(7)");
    expect(mod.configure(mod.presets.tiny).name).toBe("*/ process.exit(15) /*");
    expect(() => mod.configure({ d: -1 })).toThrow('*/ process.exit(8) /* `${process.exit(9)}` " \n');
  });
});
