// Generated code is safe for any string an .arch file holds (module.test.ts checks one
// hand-written attack; this one generates them): random strings built from the pieces that
// end strings, comments and template literals in TypeScript (quotes, backticks, `${`, `*/`,
// `//`, U+2028/U+2029, backslashes, newlines) are put in every string position an .arch file
// has — hf model types, hf keys, ignored keys, string parameters, derived values, require
// messages, printed class names and reprs, preset names and values. The generated module
// must parse, carry every string through unchanged, and run without executing a payload.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import ts from "typescript";
import { archFromText } from "../../src/testing/properties.js";
import { checkedArch } from "../../src/compiler/pipeline.js";
import { generateModule } from "../../src/compiler/codegen/module.js";
import { instantiate } from "../../src/compiler/codegen/load.js";
import { IntTensor, ModelSession, randomSource } from "../../src/runtime/index.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const g = globalThis as { __archcPwned?: number };

const pieces = ['"', "'", "`", "${", "}", "*/", "/*", "//", "\\", "\n", "\r", "\u2028", "\u2029", "<!--", "</script>", "globalThis.__archcPwned = 1;", "${globalThis.__archcPwned = 2}", "x", " ", "é", "\u0000", "\u202e", "\u2066", "\u2069", "\u200f"];
const payload = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }).map((ps) => ps.join(""));

/** The .arch spelling of a string: `"` and `\` escaped, line breaks as `\n` (a literal holds no raw newline). */
const lit = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
// Printed class names and reprs interpolate `{expr}`: braces there are syntax, not text.
const noBraces = (s: string) => s.replace(/[{}]/g, "");
// Keys are dotted paths into config.json: a dot separates, so the payload of a key has none.
const noDots = (s: string) => s.replace(/\./g, "");

interface Strings {
  modelType: string;
  key: string;
  ignored: string;
  param: string;
  derived: string;
  message: string;
  cls: string;
  repr: string;
  preset: string;
  presetValue: string;
}

function source(s: Strings): string {
  return `arch Payload {
  hf ${lit(s.modelType)} {
    PayloadModel => M
  }
  param d: int = 8
  param name: string = ${lit(s.param)} <- ${lit(noDots(s.key))}
  ignore ${lit(noDots(s.ignored))}
  let label = ${lit(s.derived)}
  require d > 0 : ${lit(s.message)}

  block M {
    class ${lit(noBraces(s.cls))}
    repr ${lit(noBraces(s.repr))}
    l: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return l(x)
    }
  }

  block Lookup {
    class ${lit(noBraces(s.cls))}
    e: Embedding(10, d)
    m: M
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      return m(e(input_ids))
    }
  }

  root Lookup
  preset ${lit(s.preset)} { d = 4  name = ${lit(s.presetValue)} }
}
`;
}

describe("no string in an .arch file can inject code into the generated module", () => {
  it("random hostile strings in every string position: the module parses, carries them unchanged and runs no payload", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ modelType: payload, key: payload, ignored: payload, param: payload, derived: payload, message: payload, cls: payload, repr: payload, preset: payload, presetValue: payload }),
        async (s) => {
          delete g.__archcPwned;
          const a = archFromText(source(s), "Payload", `payload.arch`);
          const errors = [...a.ws.diagnostics, ...checkedArch(a.arch).diagnostics].filter((d) => d.severity === "error");
          expect(errors.map((d) => d.message)).toEqual([]);
          const text = (await generateModule(a.arch)).text;
          // Syntax: exactly one module, no string or comment left open.
          // No bidirectional control reaches the text raw (Trojan Source): escaped in literals and comments.
          expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/);
          const parsed = ts.transpileModule(text, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
          expect(parsed.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
          const mod = instantiate(text);
          expect(mod.hf.modelTypes).toEqual([s.modelType]);
          expect(mod.hf.keys.name).toEqual([[noDots(s.key)]]);
          expect(mod.hf.ignored).toEqual([[noDots(s.ignored)]]);
          expect(Object.keys(mod.presets)).toEqual([s.preset]);
          const cfg = mod.configure({});
          expect(cfg.name).toBe(s.param);
          expect(cfg.label).toBe(s.derived);
          expect(mod.configure(mod.presets[s.preset]).name).toBe(s.presetValue);
          expect(() => mod.configure({ d: -1 })).toThrow(s.message);
          // Build and run every generated function.
          const session = new ModelSession(mod, mod.presets[s.preset]!, randomSource(1), "Lookup");
          expect(session.forward({ input_ids: new IntTensor(Int32Array.of(1, 2, 3), [1, 3]) }).output.shape).toEqual([1, 3, 4]);
          expect(g.__archcPwned).toBeUndefined();
        },
      ),
      { seed, numRuns: 25, endOnFailure: true },
    );
  }, 300_000);
});
