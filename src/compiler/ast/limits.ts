// Nesting limits. The parser and every later stage (builder, evaluator, checker, printer)
// recurse over the syntax tree, so a file nested thousands of levels deep (by brackets,
// prefix operators, `if … then if …` chains or a very long `a + a + …`) would exhaust the
// call stack. Such a file is refused with one diagnostic instead. The limits sit far above
// anything a model definition needs (the zoo nests fewer than 15 levels).
import type { IToken } from "chevrotain";
import type * as A from "./nodes.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";

/** Open brackets, or prefix operators in a row. */
export const MAX_TOKEN_NESTING = 100;
/** Depth of the syntax tree, counting every node (a chain `a + b + …` nests one per operator). */
export const MAX_TREE_DEPTH = 400;

const opens = new Set(["LParen", "LBracket", "LBrace"]);
const closes = new Set(["RParen", "RBracket", "RBrace"]);
const prefix = new Set(["Minus", "Bang"]);

function spanOf(path: string, t: IToken): A.Span {
  return { file: path, line: t.startLine ?? 1, col: t.startColumn ?? 1, offset: t.startOffset, length: t.image.length };
}

function tooDeep(span: A.Span, what: string, limit: number): Diagnostic {
  return error("E0003", span, `${what} nested more than ${limit} levels deep`, {
    hint: "archc refuses inputs nested this deeply; name intermediate values with `let` instead",
  });
}

/** Checked on the tokens, before the (recursive) parser sees them. */
export function tokenNesting(path: string, tokens: readonly IToken[]): Diagnostic | undefined {
  let depth = 0;
  let run = 0;
  for (const t of tokens) {
    const n = t.tokenType.name;
    if (opens.has(n) && ++depth > MAX_TOKEN_NESTING) return tooDeep(spanOf(path, t), "brackets", MAX_TOKEN_NESTING);
    if (closes.has(n)) depth = Math.max(0, depth - 1);
    run = prefix.has(n) ? run + 1 : 0;
    if (run > MAX_TOKEN_NESTING) return tooDeep(spanOf(path, t), "prefix operators", MAX_TOKEN_NESTING);
  }
  return undefined;
}

/** Checked on the built tree, without recursion: the deepest node past the limit, if any. */
export function treeNesting(path: string, archs: readonly A.ArchDecl[]): Diagnostic | undefined {
  const stack: [unknown, number, A.Span | undefined][] = archs.map((a) => [a, 1, a.span]);
  while (stack.length) {
    const [node, depth, near] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    const span = isSpan((node as { span?: unknown }).span) ? (node as { span: A.Span }).span : near;
    if (depth > MAX_TREE_DEPTH) return tooDeep(span ?? { file: path, line: 1, col: 1, offset: 0, length: 1 }, "expressions", MAX_TREE_DEPTH);
    for (const [k, v] of Object.entries(node)) {
      if (k !== "span" && k !== "nameSpan" && v !== null && typeof v === "object") stack.push([v, depth + 1, span]);
    }
  }
  return undefined;
}

function isSpan(v: unknown): v is A.Span {
  return v !== null && typeof v === "object" && typeof (v as A.Span).offset === "number" && typeof (v as A.Span).file === "string";
}

/** The call stack ran out anyway (a shape of nesting the checks above do not count). */
export function stackExhausted(path: string): Diagnostic {
  return tooDeep({ file: path, line: 1, col: 1, offset: 0, length: 1 }, "the file is", MAX_TREE_DEPTH);
}

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
