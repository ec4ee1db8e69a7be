// Random damage to .arch sources, as fast-check arbitraries: token-level edits of the zoo's
// files (deleted, duplicated, swapped or replaced tokens, changed numbers, truncation,
// non-ASCII text, very long lines, deep nesting) and streams of random tokens. Shared by the
// fuzz tests (test/fuzz/*.test.ts) and the long-running scripts/fuzz.mts.
import fc from "fast-check";
import type { IToken } from "chevrotain";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { archLexer } from "../../grammar/tokens.js";
import { zooFiles } from "../../src/compiler/workspace.js";

export type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "swap"; at: number; with: number }
  | { kind: "replace"; at: number; text: string }
  | { kind: "number"; at: number; text: string }
  | { kind: "truncate"; fraction: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "longLine"; at: number; unit: string; times: number }
  | { kind: "nest"; at: number; open: string; depth: number; balanced: boolean }
  | { kind: "rename"; at: number; to: string };

export interface MutatedFile {
  /** The zoo file the mutations apply to. */
  file: string;
  mutations: Mutation[];
}

/** Spellings worth substituting: every keyword and operator, and names the checker knows. */
export const tokenTexts = [
  "arch", "extends", "param", "let", "require", "block", "forward", "return", "emit", "for", "in", "if", "then", "else",
  "preset", "override", "tie", "hf", "ignore", "root", "class", "repr", "as", "true", "false", "null", "ids",
  "->", "<-", "=>", "..", ".", "==", "!=", "<=", ">=", "<", ">", "&&", "||", "??", "?", "!", "=", "**", "//", "+", "-", "*",
  "/", "%", "@", "(", ")", "[", "]", "{", "}", ",", ":", ";",
  "x", "d", "B", "T", "layers", "Linear", "Embedding", "RMSNorm", "attention", "split_heads", "rope", "softmax", "int", "float",
  "bool", "string", "0", "1", "2", "1.5", "\"s\"", "\"\"", "# comment\n", "\n",
];

/** Numbers that stress evaluation: zero, negatives, huge, fractional, overflowing. */
export const numberTexts = ["0", "1", "-1", "-16", "3", "7", "0.0", "0.5", "1e308", "1e999", "1e-320", "99999999", "4294967296", "9007199254740993", "123456789012345678901234567890", "2147483648", "1e9", "65536"];

/**
 * Identifiers that have broken generated code (issue 18): JavaScript keywords, names every
 * object inherits, the generated module's own names and locals, globals it uses, and the
 * spellings a renaming could collide with. A `rename` mutation gives one of the file's
 * names one of these everywhere it occurs, so the file usually still checks and compiles.
 */
export const hazardNames = [
  "constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "Config", "Hyper", "configure", "presets", "hf", "roots", "defaultRoot",
  "given", "self", "cfg", "ctx", "rt", "w", "path", "i", "rows", "v", "default", "new", "class_", "type", "delete", "undefined", "Math", "Partial",
  "Record", "Array", "default_", "Config_", "given_",
];

/** Text a lexer for ASCII names must reject or carry in strings and comments. */
export const strangeTexts = [
  "é", "中文", "😀", "\u2028", "\u2029", "\u0000", "\uFEFF", "\t", "\r", "\r\n", "\\", "\"", "\"unterminated", "`${x}`", "*/", "$", "\u00a0", "ｄ", "İ",
  "\u202e", "\u2066", "\"\u202e}\u2066\"", "# \u202e comment\r",
];

const sources = new Map<string, string>();
export function zooSource(file: string): string {
  let s = sources.get(file);
  if (s === undefined) {
    s = readFileSync(file, "utf8");
    sources.set(file, s);
  }
  return s;
}

interface Piece {
  text: string;
  token: boolean;
  type?: string;
}

/** The text as alternating white space and tokens (comments count as tokens). */
function pieces(text: string): Piece[] {
  const lexed = archLexer.tokenize(text);
  const toks = [...lexed.tokens, ...((lexed.groups.comments as IToken[] | undefined) ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const out: Piece[] = [];
  let at = 0;
  for (const t of toks) {
    if (t.startOffset > at) out.push({ text: text.slice(at, t.startOffset), token: false });
    out.push({ text: t.image, token: true, type: t.tokenType.name });
    at = t.startOffset + t.image.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), token: false });
  return out;
}

function tokenIndexes(ps: Piece[], pred: (p: Piece) => boolean = () => true): number[] {
  const out: number[] = [];
  ps.forEach((p, i) => {
    if (p.token && pred(p)) out.push(i);
  });
  return out;
}

function pick(xs: number[], at: number): number | undefined {
  return xs.length ? xs[at % xs.length] : undefined;
}

export function applyMutation(text: string, m: Mutation): string {
  if (m.kind === "truncate") return text.slice(0, Math.floor(text.length * m.fraction));
  const ps = pieces(text);
  if (m.kind === "rename") {
    const j = pick(tokenIndexes(ps, (p) => p.type === "Identifier"), m.at);
    if (j === undefined) return text;
    const from = ps[j]!.text;
    return ps.map((p) => (p.token && p.type === "Identifier" && p.text === from ? m.to : p.text)).join("");
  }
  const toks = tokenIndexes(ps);
  const i = pick(toks, m.at);
  if (i === undefined) return text + (m.kind === "insert" || m.kind === "replace" ? m.text : "");
  switch (m.kind) {
    case "delete":
      ps[i] = { text: "", token: false };
      break;
    case "duplicate":
      ps[i] = { ...ps[i]!, text: `${ps[i]!.text} ${ps[i]!.text}` };
      break;
    case "swap": {
      const j = pick(toks, m.with)!;
      const a = ps[i]!.text;
      ps[i] = { ...ps[i]!, text: ps[j]!.text };
      ps[j] = { ...ps[j]!, text: a };
      break;
    }
    case "replace":
      ps[i] = { ...ps[i]!, text: m.text };
      break;
    case "number": {
      const k = pick(tokenIndexes(ps, (p) => p.type === "Integer" || p.type === "Float"), m.at) ?? i;
      ps[k] = { ...ps[k]!, text: m.text };
      break;
    }
    case "insert":
      ps[i] = { ...ps[i]!, text: m.text + ps[i]!.text };
      break;
    case "longLine":
      ps[i] = { ...ps[i]!, text: m.unit.repeat(m.times) + ps[i]!.text };
      break;
    case "nest": {
      const close = m.open === "(" ? ")" : m.open === "[" ? "]" : "}";
      ps[i] = { ...ps[i]!, text: m.open.repeat(m.depth) + ps[i]!.text + (m.balanced ? close.repeat(m.depth) : "") };
      break;
    }
  }
  return ps.map((p) => p.text).join("");
}

export function mutate(mf: MutatedFile): string {
  return mf.mutations.reduce(applyMutation, zooSource(mf.file));
}

const at = fc.nat({ max: 100_000 });

export const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("swap" as const), at, with: at }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("replace" as const), at, text: fc.constantFrom(...tokenTexts) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("number" as const), at, text: fc.constantFrom(...numberTexts) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("insert" as const), at, text: fc.constantFrom(...strangeTexts) }) },
  // Long runs of one token (a 100 000-character name), and lines of thousands of tokens (the
  // parser's error recovery costs about half a millisecond per token: longer is slow, not hung).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("longLine" as const), at, unit: fc.constantFrom("x", " ", "# ", "é"), times: fc.integer({ min: 1000, max: 100_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("longLine" as const), at, unit: fc.constantFrom("a + ", "1, ", "\"s\" ", "x.", "- "), times: fc.integer({ min: 100, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("nest" as const), at, open: fc.constantFrom("(", "[", "{"), depth: fc.integer({ min: 10, max: 5000 }), balanced: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("rename" as const), at, to: fc.constantFrom(...hazardNames) }) },
);

export function zooFileNames(): string[] {
  return zooFiles();
}

/** A zoo file with one to four mutations. */
export function arbMutatedFile(files: string[] = zooFiles()): fc.Arbitrary<MutatedFile> {
  return fc.record({ file: fc.constantFrom(...files), mutations: fc.array(arbMutation, { minLength: 1, maxLength: 4 }) });
}

/** Random token soup: keywords, operators, names, numbers, strings and odd characters. */
export const arbTokenStream: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...tokenTexts) }, { weight: 2, arbitrary: fc.constantFrom(...numberTexts) }, { weight: 1, arbitrary: fc.constantFrom(...strangeTexts) }), { maxLength: 200 })
  .chain((ts) => fc.array(fc.constantFrom(" ", "", "\n", "  "), { minLength: ts.length, maxLength: ts.length }).map((gaps) => ts.map((t, i) => t + gaps[i]).join("")));

/** For messages: which file, which mutations. */
export function describeCase(mf: MutatedFile): string {
  return `${basename(mf.file)} with ${JSON.stringify(mf.mutations).slice(0, 400)}`;
}
