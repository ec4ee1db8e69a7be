// The diff reads a leaf module through its primitive's `diff` hook (role, kind, settings),
// never by the primitive's name: a new norm or activation primitive needs no change here.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { primitives } from "../../src/compiler/ir/primitives.js";

const dir = fileURLToPath(new URL("../../src/compiler/diff", import.meta.url));
/** Each source file of the diff stage without its comments. */
const sources = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({ file: f, code: readFileSync(join(dir, f), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1") }));

describe("the diff stage asks primitives, not their names", () => {
  it("has no primitive name in a string literal", () => {
    const names = Object.keys(primitives);
    expect(names).toEqual(expect.arrayContaining(["Linear", "LayerNorm", "RMSNorm", "Activation", "Embedding"]));
    for (const { file, code } of sources)
      for (const n of names) expect(new RegExp(`["'\`]${n}\\b`).test(code), `${file} spells "${n}"`).toBe(false);
  });

  it("never tests a primitive's name (no comparison, no pattern like /Norm$/)", () => {
    for (const { file, code } of sources) {
      expect(/primitive\??\.name\s*[!=]==/.test(code), `${file} compares a primitive's name`).toBe(false);
      expect(/\/[^/\n]*Norm[^/\n]*\/\.test/.test(code), `${file} matches a name against /…Norm…/`).toBe(false);
    }
  });
});
