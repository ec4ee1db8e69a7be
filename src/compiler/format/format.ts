// `archc fmt`: canonical layout of .arch files. It works on the token stream (comments
// included), so it can only change white space: the tokens, and therefore the parse, stay
// exactly the same. Line breaks are the author's (blank runs fold to one); indentation
// follows bracket depth; spacing inside a line follows fixed rules.
import type { IToken } from "chevrotain";
import { archLexer } from "../../../grammar/tokens.js";

const INDENT = "  ";

// Tokens after which an opening `(` or `[` is a call or an index, not a new group.
const callable = new Set(["Identifier", "RParen", "RBracket", "Forward", "Ids", "StringLit"]);
// Tokens after which `-` or `!` is unary.
const operandEnd = new Set(["Identifier", "Integer", "Float", "StringLit", "RParen", "RBracket", "True", "False", "Null"]);
const noSpaceBefore = new Set(["RParen", "RBracket", "Comma", "Colon", "Semicolon", "Dot", "DotDot", "Question"]);
const noSpaceAfter = new Set(["LParen", "LBracket", "Dot", "DotDot"]);
const opens = new Set(["LParen", "LBracket", "LBrace"]);
const closes = new Set(["RParen", "RBracket", "RBrace"]);
// A line break after one of these, or before one of the second set, continues the same
// statement: the new line is indented one step further.
const continuesAfter = new Set(["Comma", "Assign", "Plus", "Minus", "Star", "Slash", "SlashSlash", "Percent", "StarStar", "At", "EqEq", "NotEq", "Lt", "LtEq", "Gt", "GtEq", "AndAnd", "OrOr", "QQ", "Then", "Else", "If", "Arrow", "LArrow", "FatArrow", "Colon", "In", "As"]);
const continuesBefore = new Set(["Then", "Else", "AndAnd", "OrOr", "QQ", "Plus", "Star", "Slash", "SlashSlash", "Percent", "StarStar", "At", "EqEq", "NotEq", "Arrow", "LArrow", "As"]);

function spaceBetween(prev: IToken, next: IToken, prevPrev: IToken | undefined): boolean {
  const p = prev.tokenType.name;
  const n = next.tokenType.name;
  if (n === "Comment") return true;
  if (noSpaceBefore.has(n)) {
    // `require cond : "message"` and typed names both read better as `x: y`.
    return false;
  }
  if (noSpaceAfter.has(p)) return false;
  if ((n === "LParen" || n === "LBracket") && callable.has(p)) return false;
  if ((p === "Minus" || p === "Bang") && (!prevPrev || !operandEnd.has(prevPrev.tokenType.name))) return false;
  if (p === "LBrace" && n === "RBrace") return false;
  return true;
}

// Tokens written without a space must still lex as those tokens: `.` `.` is not `..`,
// `-` `>` is not `->`, `1` `.` `5` is not `1.5`. `tail` is the end of the line so far,
// holding the last token or two (no token of the grammar spans more than three).
function staysApart(tail: string, expected: readonly IToken[], next: IToken): boolean {
  const lexed = archLexer.tokenize(tail + next.image);
  const want = [...expected, next];
  return lexed.errors.length === 0 && lexed.tokens.length === want.length && lexed.tokens.every((t, i) => t.tokenType === want[i]!.tokenType && t.image === want[i]!.image);
}

export interface FormatResult {
  text: string;
  /** False when the text does not lex; nothing was changed then. */
  ok: boolean;
}

export function formatArch(text: string): FormatResult {
  const lexed = archLexer.tokenize(text);
  if (lexed.errors.length) return { text, ok: false };
  const comments = (lexed.groups.comments as IToken[] | undefined) ?? [];
  const tokens = [...lexed.tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  const out: string[] = [];
  let line = "";
  let depth = 0;
  let lineDepth = 0;
  const stack: string[] = [];
  let prev: IToken | undefined;
  let prevPrev: IToken | undefined;
  // Where the last two tokens of the current line start in it (for staysApart).
  let lastStart = -1;
  let prevStart = -1;
  const flush = () => {
    out.push(line.length ? INDENT.repeat(Math.max(0, lineDepth)) + line : "");
    line = "";
  };
  for (const [i, t] of tokens.entries()) {
    const name = t.tokenType.name;
    if (prev) {
      const gap = text.slice(prev.startOffset + prev.image.length, t.startOffset);
      // Any line break counts, \r alone too: the lexer ends a comment there.
      const breaks = (gap.match(/\r\n|\r|\n/g) ?? []).length;
      if (breaks > 0) {
        flush();
        if (breaks > 1) out.push("");
      } else if (name === "Identifier" && tokens[i + 1]?.tokenType.name === "Assign" && operandEnd.has(prev.tokenType.name)) {
        // Several `name = value` on one line (a preset): two spaces keep them apart.
        line += "  ";
      } else if (spaceBetween(prev, t, prevPrev)) line += " ";
      else {
        const from = prevStart >= 0 && prevPrev ? prevStart : lastStart;
        if (!staysApart(line.slice(from), from === prevStart ? [prevPrev!, prev] : [prev], t)) line += " ";
      }
    }
    if (line.length === 0) {
      lineDepth = closes.has(name) ? depth - 1 : depth;
      const inBraces = stack.length === 0 || stack[stack.length - 1] === "LBrace";
      const prevName = prev?.tokenType.name ?? "";
      if (inBraces && prev && name !== "Comment" && !closes.has(name) && (continuesAfter.has(prevName) || continuesBefore.has(name))) lineDepth++;
    }
    if (line.length === 0) prevStart = lastStart = -1;
    prevStart = lastStart;
    lastStart = line.length;
    line += name === "Comment" ? t.image.trimEnd() : t.image;
    if (opens.has(name)) {
      depth++;
      stack.push(name);
    } else if (closes.has(name)) {
      depth = Math.max(0, depth - 1);
      stack.pop();
    }
    prevPrev = prev;
    prev = t;
  }
  if (line.length || prev) flush();
  // A file is lines; leading blank lines carry nothing.
  while (out.length && out[0] === "") out.shift();
  while (out.length && out[out.length - 1] === "") out.pop();
  return { text: out.length ? `${out.join("\n")}\n` : "", ok: true };
}
