// The AST builder reads CST children by label: the labels come from the grammar itself, a
// label no rule produces is refused, and syntax errors carry what was expected as data.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { childLabels } from "../../grammar/cst-labels.js";
import { parseArchText } from "../../grammar/parser.js";
import { expectedTokens } from "../../grammar/syntax-errors.js";
import { Builder, CstLabelError } from "../../src/compiler/ast/build.js";

describe("CST child labels", () => {
  it("are read off the grammar: paramDecl's as grammar/parser.ts writes them", () => {
    // OPTION(Override) Param name:Identifier Colon typeRef [Assign default:expr] [LArrow hfKey, Comma …]
    expect([...childLabels.get("paramDecl")!].sort()).toEqual(["Assign", "Colon", "Comma", "LArrow", "Override", "Param", "default", "hfKey", "name", "typeRef"]);
  });

  it("cover every label the builder reads", () => {
    const source = readFileSync(fileURLToPath(new URL("../../src/compiler/ast/build.ts", import.meta.url)), "utf8");
    const read = [...source.matchAll(/this\.(?:tok|toks|node|nodes|image|has)\([\w.]+, "(\w+)"/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(50);
    const all = new Set([...childLabels.values()].flatMap((s) => [...s]));
    expect(read.filter((l) => !all.has(l))).toEqual([]);
  });
});

describe("the AST builder", () => {
  it("refuses a child label the node's rule cannot have, and reads the ones it can", () => {
    const { cst } = parseArchText("arch A {\n  param d: int = 4\n}\n");
    const builder = new Builder("a.arch", cst);
    const arch = builder.node(cst.children, "archDecl")!;
    expect(builder.image(arch.children, "name")).toBe("A");
    expect(() => builder.tok(arch.children, "nmae")).toThrow(CstLabelError);
    expect(() => builder.tok(arch.children, "nmae")).toThrow("the grammar rule `archDecl` has no child labelled `nmae`");
  });
});

describe("syntax errors", () => {
  it("carry the expected token names as data", () => {
    // `param d int`: the colon is missing after the name.
    const out = parseArchText("arch A {\n  param d int\n}\n");
    expect(out.parseErrors.length).toBeGreaterThan(0);
    expect(expectedTokens(out.parseErrors[0]!)).toEqual(["Colon"]);
  });

  it("list the first token of each alternative once", () => {
    // After `=` an expression starts: every token that can begin one, no duplicates.
    const out = parseArchText("arch A {\n  let x = }\n");
    const expected = expectedTokens(out.parseErrors[0]!);
    expect(expected).toEqual(expect.arrayContaining(["Identifier", "Integer", "LParen", "Minus"]));
    expect(new Set(expected).size).toBe(expected.length);
  });
});
