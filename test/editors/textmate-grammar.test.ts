// The VS Code extension's TextMate grammar, tokenised as VS Code does it (vscode-textmate on
// the Oniguruma engine), over every zoo file. The truth it is compared with is archc's own
// lexer: every keyword, number, string and comment the Chevrotain lexer finds must carry the
// matching TextMate scope.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { IToken as ChevToken } from "chevrotain";
import { beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { archLexer } from "../../grammar/tokens.js";
import { zooFiles } from "../../src/compiler/workspace.js";

const require = createRequire(import.meta.url);
const grammarPath = join(__dirname, "../../editors/vscode/syntaxes/arch.tmLanguage.json");
let grammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => (scope === "source.arch" ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null),
  });
  grammar = (await registry.loadGrammar("source.arch"))!;
});

/** The TextMate scopes at every character of a text, line by line. */
function scopesByOffset(text: string): string[][] {
  const out: string[][] = [];
  let state = textmate.INITIAL;
  for (const line of text.split("\n")) {
    const r = grammar.tokenizeLine(line, state);
    const lineScopes: string[][] = [];
    for (const t of r.tokens) for (let i = t.startIndex; i < Math.min(t.endIndex, line.length); i++) lineScopes[i] = t.scopes;
    for (let i = 0; i < line.length; i++) out.push(lineScopes[i] ?? []);
    out.push([]); // the newline
    state = r.ruleStack;
  }
  return out;
}

/** What scope a Chevrotain token must carry in the TextMate grammar, if it is one we check. */
function expectedScope(t: ChevToken): string | undefined {
  const name = t.tokenType.name;
  if (name === "Comment") return "comment.line";
  if (name === "StringLit") return "string.quoted.double";
  if (name === "Integer" || name === "Float") return "constant.numeric";
  if (name === "True" || name === "False" || name === "Null") return "constant.language";
  if (name === "Ids") return "storage.modifier.ids";
  // Every other word-shaped token type is a keyword of the language.
  if (name !== "Identifier" && /^[a-z]+$/.test(t.image)) return "keyword";
  return undefined;
}

describe("the TextMate grammar of editors/vscode", () => {
  for (const file of zooFiles()) {
    it(`scopes ${file.split("/").at(-1)} as archc's lexer reads it`, () => {
      const text = readFileSync(file, "utf8");
      const lexed = archLexer.tokenize(text);
      const tokens = [...lexed.tokens, ...((lexed.groups.comments as ChevToken[] | undefined) ?? [])];
      const scopes = scopesByOffset(text);
      const wrong: string[] = [];
      let checked = 0;
      for (const t of tokens) {
        const want = expectedScope(t);
        if (!want) continue;
        checked++;
        for (let i = t.startOffset; i <= t.endOffset!; i++) {
          if (!scopes[i]!.some((s) => s.startsWith(want))) {
            wrong.push(`${t.startLine}:${t.startColumn} ${JSON.stringify(t.image)} is ${scopes[i]!.join(" ")}, expected ${want}`);
            break;
          }
        }
      }
      expect(wrong.slice(0, 10)).toEqual([]);
      expect(checked).toBeGreaterThan(20);
    });
  }

  it("does not colour a name that merely contains a keyword, nor `block` used as a name", () => {
    const scopes = scopesByOffset("let blocks = forwarded + block_id\nfor block in layers {\n");
    const at = (s: string, nth = 0) => {
      const text = "let blocks = forwarded + block_id\nfor block in layers {\n";
      let i = -1;
      for (let k = 0; k <= nth; k++) i = text.indexOf(s, i + 1);
      return scopes[i]!;
    };
    expect(at("blocks").some((s) => s.startsWith("keyword"))).toBe(false);
    expect(at("forwarded").some((s) => s.startsWith("keyword"))).toBe(false);
    expect(at("block_id").some((s) => s.startsWith("keyword"))).toBe(false);
    expect(at("block ", 0).some((s) => s.startsWith("keyword"))).toBe(false);
    expect(at("for ").some((s) => s.startsWith("keyword.control"))).toBe(true);
  });
});
