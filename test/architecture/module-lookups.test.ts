// Whether a `Name(args)` in a submodule declaration builds a primitive or a block is decided
// once, by the checker (check/module-callees.ts), and read from the resolved IR
// (`ResolvedArch.moduleCallees`) by codegen, the exporters and elaboration. This test finds
// every module that still looks a primitive or a block up by its name — `primitives[…]`,
// `isPrimitive(…)`, `arch.blocks.get(…)` — outside the checker, the resolved IR and the IR
// itself. What remains are lookups of a name that is not a submodule's callee; each is listed
// with why. A new lookup fails the test, and so does a listed file that no longer looks up.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sourceFiles } from "./source-files.js";

/** The code of a file without its comments (a comment may show a lookup). */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

/** Looks a primitive or a block up by its name. */
const looksUpByName = (text: string) => /\bprimitives\s*\[|\bisPrimitive\s*\(|\barch\s*\.\s*blocks\s*\.\s*get\s*\(/.test(code(text));

/** Where names are bound: the checker, the resolved IR built from it, and the IR (which defines the primitives and blocks). */
const owners = ["src/compiler/check/", "src/compiler/resolved/", "src/compiler/ir/"];

/** Lookups by name that are not a submodule declaration's callee, each with why it stays. */
const exceptions: Record<string, string> = {
  "src/compiler/codegen/module.ts": "the roots (`root Block`, preset and HF class roots) are named by a string in the arch, not called",
  "src/compiler/elaborate/instance.ts": "the root block to elaborate is named by the arch, a preset or --root",
  "src/compiler/export/onnx/export.ts": "the root block to export is named by the arch or --root",
  "src/cli/verify.ts": "the root block whose inputs are generated is named by the arch or --root",
  "src/testing/properties.ts": "the root block of the arch under test, named by `root`",
  "src/lsp/hover.ts": "hover explains the name under the cursor in a file being edited (possibly unchecked): a lookup by that name is its job",
  "src/lsp/symbols-index.ts": "go-to-definition and references resolve the name under the cursor in a file being edited",
};

describe("lookups of a primitive or block by name", () => {
  const lookups = sourceFiles(join(root, "src"))
    .filter((f) => looksUpByName(readFileSync(f, "utf8")))
    .map((f) => relative(root, f).split("\\").join("/"));

  it("happen only where names are bound, and in the listed exceptions", () => {
    const outside = lookups.filter((f) => !owners.some((o) => f.startsWith(o))).sort();
    expect(outside).toEqual(Object.keys(exceptions).sort());
  });

  it("are found where the checker binds a callee (the detection works)", () => {
    expect(lookups).toContain("src/compiler/check/module-callees.ts");
    expect(looksUpByName("const b = this.arch.blocks.get(name);")).toBe(true);
    expect(looksUpByName("const p = primitives[name];")).toBe(true);
    expect(looksUpByName("// primitives[name] in a comment")).toBe(false);
  });
});
