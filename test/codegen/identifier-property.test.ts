// Every identifier an .arch file may use gives generated code that compiles, loads and runs
// (issue 18, items 1 and 9). Random architectures draw each of their names — params, lets,
// blocks, block parameters, submodules, forward inputs, locals, loop variables, presets'
// keys — from the classes that have broken generated code: JavaScript and TypeScript
// keywords, members every object inherits (`constructor`, `__proto__`, `toString`), the
// module's own top-level names (`Config`, `Hyper`, `configure`), the locals generated
// functions introduce (`given`, `self`, `cfg`, `i`, `rows`), globals generated code uses
// (`Math`, `Partial`), and the spellings their renaming could produce (`default_`). Each
// file that checks clean must type-check in strict mode, load, build with its preset's
// values intact (a `__proto__` preset value must not be lost) and run a forward pass.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { generateModule } from "../../src/compiler/codegen/module.js";
import { instantiate } from "../../src/compiler/codegen/load.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { IntTensor, ModelSession, randomSource, Tensor } from "../../src/runtime/index.js";
import { typecheckModules } from "./typecheck.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const tmp = mkdtempSync(join(tmpdir(), "archc-idents-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

export const hazards = [
  // JavaScript / TypeScript keywords and contextual words that are not .arch keywords
  "default", "class_", "new", "type", "var", "const", "function", "delete", "typeof", "void", "this", "super", "static", "enum", "interface",
  "async", "await", "yield", "of", "undefined", "never", "unknown", "any", "number", "string", "object", "keyof", "readonly", "namespace", "module", "arguments", "eval",
  // inherited by every object
  "constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "toLocaleString", "propertyIsEnumerable", "__defineGetter__", "__lookupSetter__",
  // the generated module's own names and its functions' locals
  "Config", "Hyper", "configure", "presets", "hf", "roots", "defaultRoot", "given", "self", "cfg", "ctx", "rt", "w", "path", "i", "rows", "v", "e", "x",
  // globals generated code uses
  "Math", "Number", "String", "Array", "Object", "JSON", "Partial", "Record", "ReturnType", "Infinity", "NaN",
  // what a renaming by suffix could collide with
  "default_", "Config_", "given_", "self_", "i_", "__i", "constructor_",
  // ordinary
  "d", "hidden", "layer", "Block",
];

const arbNames = fc.uniqueArray(fc.constantFrom(...hazards), { minLength: 13, maxLength: 13 });

/** An architecture exercising every kind of name, with the names given. */
function archSource(arch: string, n: string[]): string {
  const [dim, layers, scale, blockA, blockB, bparam, sub, list, input, local, loopVar, mid, rootSub] = n as [string, ...string[]];
  return `arch ${arch} {
  param ${dim}: int = 8
  param ${layers}: int = 2
  let ${scale} = ${dim} * 2
  block ${blockA}(${bparam}: int) {
    ${sub}: Linear(${bparam}, ${bparam})
    forward(${input}: [B, T, ${bparam}]) -> [B, T, ${bparam}] {
      let ${local} = ${sub}(${input})
      return ${local} + ${input}
    }
  }
  block ${blockB} {
    ${mid}: Linear(${dim}, ${scale})
    ${rootSub}: Linear(${scale}, ${dim})
    ${list}: [${blockA}(${dim}) for ${loopVar} in 0..${layers}]
    forward(${input}: [B, T, ${dim}]) -> [B, T, ${dim}] {
      let ${local} = ${rootSub}(${mid}(${input}))
      for ${loopVar} in 0..${layers} {
        ${local} = ${list}[${loopVar}](${local})
      }
      return ${local}
    }
  }
  root ${blockB}
  preset "tiny" { ${dim} = 4
    ${layers} = 3 }
}
`;
}

describe("generated code compiles, loads and runs for any identifiers", () => {
  it("random names from the hazard classes", { timeout: 300_000 }, async () => {
    const samples = fc.sample(arbNames, { seed, numRuns: 24 });
    const files: string[] = [];
    const modules: { names: string[]; text: string }[] = [];
    let rejected = 0;
    for (const [k, names] of samples.entries()) {
      const file = join(tmp, `ident${k}.arch`);
      writeFileSync(file, archSource(`Ident${k}`, names));
      const ws = loadWorkspace([file], { includeZoo: false });
      const errors = checkWorkspace(ws).filter((d) => d.severity === "error");
      // Names the .arch language itself refuses are fine; nothing it accepts may break codegen.
      if (errors.length) {
        rejected++;
        continue;
      }
      const g = await generateModule(ws.archs.get(`Ident${k}`)!);
      const path = join(tmp, g.fileName);
      writeFileSync(path, g.text);
      files.push(path);
      modules.push({ names, text: g.text });
    }
    expect(rejected, "the template itself must check clean for most names").toBeLessThan(samples.length / 3);
    expect(typecheckModules(files)).toEqual([]);
    for (const { names, text } of modules) {
      const [dim, layers, scale] = names as [string, string, string];
      const mod = instantiate(text);
      // Defaults, and a preset's values, arrive as given, whatever the names.
      const defaults = mod.configure({});
      expect(Object.prototype.hasOwnProperty.call(defaults, dim), `${names}`).toBe(true);
      expect([defaults[dim], defaults[layers], defaults[scale]], `${names}`).toEqual([8, 2, 16]);
      const tiny = mod.configure(mod.presets.tiny);
      expect([tiny[dim], tiny[layers], tiny[scale]], `${names}`).toEqual([4, 3, 8]);
      const session = new ModelSession(mod, mod.presets.tiny as never, randomSource(1), mod.defaultRoot);
      const input = session.inputNames[0]!;
      const feed = { [input]: new Tensor(new Float32Array(2 * 3 * 4).fill(0.5), [2, 3, 4]) };
      const { output } = session.forward(feed as Record<string, Tensor | IntTensor>);
      expect(output.shape, `${names}`).toEqual([2, 3, 4]);
      expect(output.data.every(Number.isFinite)).toBe(true);
    }
  });
});
