// Language invariants: `archc fmt` is idempotent and changes layout only (the tokens, and
// so the parse, stay the same) for every file in models/, for random re-layouts of them and
// for random token-level damage; code generation is deterministic. (diff(A, A) is empty:
// test/diff/diff.test.ts.) Seeded (ARCHC_SEED); fast-check shrinks a failure.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { archLexer } from "../../grammar/tokens.js";
import { parseArch } from "../../src/compiler/ast/build.js";
import { formatArch } from "../../src/compiler/format/format.js";
import { generateModule } from "../../src/compiler/codegen/module.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { loadWorkspace, zooFiles } from "../../src/compiler/workspace.js";
import { arbMutatedFile, describeCase, mutate, zooSource } from "../fuzz/mutations.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const files = zooFiles();

/** The syntax tree without source positions (and without the text it was read from). */
function stripSpans(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSpans);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "span" && !k.endsWith("Span") && k !== "text").map(([k, x]) => [k, stripSpans(x)]));
}

const ast = (text: string) => {
  const r = parseArch("x.arch", text);
  return { errors: r.diagnostics.length, tree: stripSpans(r.file.archs) };
};

/** Every token, comments included, as type and text (a comment without trailing blanks). */
function tokens(text: string): string[] {
  const lexed = archLexer.tokenize(text);
  const all = [...lexed.tokens, ...((lexed.groups.comments as IToken[] | undefined) ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  return all.map((t) => `${t.tokenType.name} ${t.tokenType.name === "Comment" ? t.image.trimEnd() : t.image}`);
}

function expectLayoutOnly(text: string, what: string): void {
  const once = formatArch(text);
  if (!once.ok) {
    // Text that does not lex is left exactly as it is.
    expect(once.text, what).toBe(text);
    return;
  }
  expect(formatArch(once.text).text, `${what}: fmt is not idempotent`).toBe(once.text);
  expect(tokens(once.text), `${what}: fmt changed the tokens`).toEqual(tokens(text));
  const before = ast(text);
  if (before.errors === 0) {
    const after = ast(once.text);
    expect(after.errors, `${what}: the formatted text has syntax errors`).toBe(0);
    expect(after.tree, `${what}: fmt changed the parse`).toEqual(before.tree);
  }
}

describe("archc fmt", () => {
  it.each(files.map((f) => [f.split("/").pop()!, f]))("%s: idempotent, and parse(fmt(x)) = parse(x)", (_n, f) => {
    const text = zooSource(f);
    expect(ast(text).errors).toBe(0);
    expectLayoutOnly(text, f);
  });

  // Any white space between tokens (keeping a line break after comments, and `block` and its
  // name on one line, where the grammar needs them) formats to a file that parses the same.
  const arbRelayout = fc.record({
    file: fc.constantFrom(...files),
    gaps: fc.array(fc.constantFrom(" ", "  ", "\t", "\n", "\n\n\n", "\n    ", " # note\n", ""), { minLength: 64, maxLength: 64 }),
    every: fc.integer({ min: 1, max: 7 }),
  });
  it("random re-layouts of the zoo format to the same parse, idempotently", () => {
    fc.assert(
      fc.property(arbRelayout, ({ file, gaps, every }) => {
        const text = zooSource(file);
        const lexed = archLexer.tokenize(text);
        const toks = [...lexed.tokens, ...((lexed.groups.comments as IToken[] | undefined) ?? [])].sort((a, b) => a.startOffset - b.startOffset);
        let out = "";
        let at = 0;
        toks.forEach((t, i) => {
          const gap = text.slice(at, t.startOffset);
          const prev = toks[i - 1];
          let g = i % every === 0 ? gaps[i % gaps.length]! : gap;
          if (prev?.tokenType.name === "Comment" && !g.includes("\n")) g += "\n";
          if (prev?.tokenType.name === "Block") g = " ";
          // Tokens that were apart stay apart: `a b` must not become `ab`.
          if (g === "" && gap !== "") g = " ";
          out += g + t.image;
          at = t.startOffset + t.image.length;
        });
        out += text.slice(at);
        const code = (ts: string[]) => ts.filter((t) => !t.startsWith("Comment "));
        expect(code(tokens(out))).toEqual(code(tokens(text)));
        expectLayoutOnly(out, `${file} re-laid out`);
        expect(ast(formatArch(out).text).tree).toEqual(ast(text).tree);
      }),
      { seed, numRuns: 60 },
    );
  });

  it("never joins tokens into other tokens (found by the damage below: `. .` became `..`)", () => {
    for (const text of ["let a = b . . c", "let a = 1 . 5", "let a = - > b", "let a = < - b", "let a = = > b", "let a = * * b", "let a = / / b", "let a = ? ? b", "let a = ! = b", "let a = - 1 - - 1"]) {
      expectLayoutOnly(text, JSON.stringify(text));
    }
  });

  it("on damaged files: idempotent, the tokens unchanged, the parse unchanged when there is one", () => {
    fc.assert(
      fc.property(arbMutatedFile(), (mf) => expectLayoutOnly(mutate(mf), describeCase(mf))),
      { seed, numRuns: 300 },
    );
  });
});

describe("code generation is deterministic", () => {
  it("two workspaces loaded separately generate identical modules for every architecture", async () => {
    const one = loadWorkspace([]);
    const two = loadWorkspace([]);
    const errors = new Set(checkWorkspace(one).filter((d) => d.severity === "error").map((d) => d.span?.file));
    let compared = 0;
    for (const arch of one.archs.values()) {
      if (errors.has(arch.file)) continue;
      const a = await generateModule(arch);
      const b = await generateModule(two.archs.get(arch.name)!);
      expect(b.fileName).toBe(a.fileName);
      expect(b.text, arch.name).toBe(a.text);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  }, 600_000);
});
