// A long file stays small to parse (issue 18, minor: 30 000 `let`s took a minute and 1 GB to
// compile). The parser's tree held twelve nested precedence-level nodes for every operand (a
// `let x1 = x0 + 1` was 19 nodes, 570 000 for the file: 340 MB); levels that only pass an
// operand through are now left out of the CST, with the same syntax tree built from it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CstNode, IToken } from "chevrotain";
import { afterAll, describe, expect, it } from "vitest";
import { parseArchText } from "../../grammar/parser.js";
import { parseArch } from "../../src/compiler/ast/build.js";

/** An architecture with `n` top-level lets, each the previous one plus 1. */
function manyLets(n: number): string {
  const lets = Array.from({ length: n }, (_, i) => (i === 0 ? "  let x0 = d" : `  let x${i} = x${i - 1} + 1`));
  return `arch ManyLets {\n  param d: int = 8\n${lets.join("\n")}\n  block M {\n    l: Linear(d, d)\n    forward(x: [B, T, d]) -> [B, T, d] {\n      return l(x)\n    }\n  }\n  root M\n}\n`;
}

function cstNodes(root: CstNode): number {
  let count = 0;
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    count++;
    for (const list of Object.values(n.children)) for (const e of list ?? []) if ((e as IToken).image === undefined) stack.push(e as CstNode);
  }
  return count;
}

const tmp = mkdtempSync(join(tmpdir(), "archc-many-lets-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("a file of many lets", () => {
  it("costs five CST nodes a `let x1 = x0 + 1` (member, letDecl, the sum, its two operands), not 19", () => {
    const { cst, parseErrors } = parseArchText(manyLets(10_000));
    expect(parseErrors).toEqual([]);
    // Everything outside the lets (arch, param, block…) is under 100 nodes.
    expect(cstNodes(cst)).toBeLessThan(5 * 10_000 + 100);
  });

  it("and the syntax tree is unchanged: each expression is the tree of its fully parenthesized form", () => {
    const pairs = [
      ["-d ** 2 * 3 + (d - 1) // 2", "((-(d ** 2)) * 3) + ((d - 1) // 2)"],
      ["a ?? b || c && d < e + f * g ** h", "a ?? (b || (c && (d < (e + (f * (g ** h))))))"],
      ["x.y[1](2) .. !z % 4", "(((x.y)[1])(2)) .. ((!z) % 4)"],
      ["if a < b then c + 1 else d @ e", "if (a < b) then (c + 1) else (d @ e)"],
      ["a + 1 in b", "(a + 1) in b"],
      ["c - -2 <= 3", "(c - (-2)) <= 3"],
    ];
    const text = `arch P {\n${pairs.map(([bare, parens], i) => `  let bare${i} = ${bare}\n  let parens${i} = ${parens}`).join("\n")}\n}\n`;
    const { file, diagnostics } = parseArch("p.arch", text);
    expect(diagnostics).toEqual([]);
    const strip = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "span").map(([k, x]) => [k, strip(x)])) : v;
    const lets = new Map(file.archs[0]!.members.flatMap((m) => (m.kind === "let" ? [[m.name, strip(m.value)] as const] : [])));
    pairs.forEach((_, i) => expect(lets.get(`bare${i}`), pairs[i]![0]).toEqual(lets.get(`parens${i}`)));
    expect(lets.get("bare0")).toMatchObject({ kind: "binary", op: "+" });
  });

  it("30 000 lets check within a 250 MB heap (the CST alone was 340 MB)", () => {
    const src = join(tmp, "lets.arch");
    writeFileSync(src, manyLets(30_000));
    // The built CLI (npm install builds it, as CI does), in a process of its own to bound its heap.
    const out = execFileSync(process.execPath, ["--max-old-space-size=250", join(__dirname, "../../bin/archc.js"), "check", src], { encoding: "utf8" });
    expect(out).toMatch(/ok: 1 file, 1 architecture checked/);
  }, 120_000);

  it("30 000 lets compile within a 400 MB heap (the compile took 1 GB)", () => {
    const src = join(tmp, "lets.arch");
    writeFileSync(src, manyLets(30_000));
    const out = join(tmp, "out");
    execFileSync(process.execPath, ["--max-old-space-size=400", join(__dirname, "../../bin/archc.js"), "compile", src, "-o", out], { encoding: "utf8" });
    const generated = readFileSync(join(out, "manylets.ts"), "utf8");
    // Nothing dropped: the module defines the last let.
    expect(generated).toMatch(/x29999/);
  }, 180_000);
});
