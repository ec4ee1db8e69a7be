// No function of the compiler is longer than a reader can hold in their head: every function,
// method, constructor, accessor and arrow function under src/compiler spans at most 150 lines
// (from its first token to its closing brace; the doc comment above it not counted). A longer
// one is split into small named functions or a small class, the way codegen/forward.ts is.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { root, sourceFiles } from "./source-files.js";

const maxLines = 150;

type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.AccessorDeclaration | ts.ArrowFunction | ts.FunctionExpression;

const isFunctionLike = (n: ts.Node): n is FunctionLike =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n);

/** A function's name as a reader finds it: its own, the variable or property it is assigned to, else its kind. */
function nameOf(n: FunctionLike): string {
  if (ts.isConstructorDeclaration(n)) return "constructor";
  if (n.name) return n.name.getText();
  const p = n.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertyAssignment(p)) && p.name) return p.name.getText();
  return ts.isArrowFunction(n) ? "(arrow function)" : "(function expression)";
}

/** Every function-like node of a source text longer than `limit` lines, as `path:line name (N lines)`. */
function longFunctions(path: string, text: string, limit: number): string[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) out.push(`${path}:${first + 1} ${nameOf(n)} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("functions of the compiler", () => {
  it(`span at most ${maxLines} lines each`, () => {
    const long = sourceFiles(join(root, "src/compiler")).flatMap((f) => longFunctions(relative(root, f).split("\\").join("/"), readFileSync(f, "utf8"), maxLines));
    expect(long).toEqual([]);
  });

  it("are measured from the first token to the closing brace, nested ones too (the detection works)", () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  x += ${i};`).join("\n");
    // A declaration of 1 + 149 + 1 = 151 lines, after a doc comment that does not count.
    const text = [
      "/** A doc comment",
      " * over two lines. */",
      "function long(): void {",
      "  let x = 0;",
      body(148),
      "}",
      // 1 + 147 + 1 + 1 = 150 lines: at the limit, not over it.
      "const short = (): number => {",
      body(147),
      "  return 1;",
      "};",
      "class C {",
      "  m(): void {",
      "    const inner = function () {",
      body(150),
      "    };",
      "  }",
      "}",
    ].join("\n");
    expect(longFunctions("t.ts", text, 150)).toEqual(["t.ts:3 long (151 lines)", "t.ts:305 m (154 lines)", "t.ts:306 inner (152 lines)"]);
  });
});
