// Identifiers in generated code. .arch names are already [A-Za-z_][A-Za-z0-9_]* (the
// grammar guarantees it, so nothing can inject code through a name); what remains is to
// keep them clear of every name the generated module means something else by. A name that
// could clash is suffixed with `$`, which no .arch name contains, so the renaming never
// merges two names (`default` and `default_` stay distinct); every other name is kept.
const keywords =
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
  "import in instanceof new null return super switch this throw true try typeof var void while with as implements interface " +
  "let package private protected public static yield any boolean number string symbol type from of await async arguments eval " +
  "undefined never unknown object bigint keyof readonly infer is asserts satisfies declare abstract namespace module require global " +
  "NaN Infinity constructor prototype";

/** Globals generated code uses (types and values): a local or a block named so would shadow them. */
const globals = "Math Number String Boolean Array Object JSON Symbol BigInt Error Promise Partial Record ReturnType Readonly Required Pick Omit";

/** Top-level names of every generated module. */
export const moduleNames = new Set(["Config", "Hyper", "configure", "presets", "hf", "roots", "defaultRoot"]);

/** Names generated code introduces in its functions. */
export const internal = new Set(["self", "cfg", "ctx", "rt", "w", "path", "given"]);

const reserved = new Set([...keywords.split(" "), ...globals.split(" "), ...moduleNames, ...internal]);

export function localName(n: string): string {
  return reserved.has(n) ? `${n}$` : n;
}

export function typeName(block: string): string {
  return reserved.has(block) ? `${block}$` : block;
}

/**
 * Names every object inherits (`toString`, `constructor`, `__proto__`…): a hyperparameter
 * named so must be read as an own property (`given.toString` is a function even when the
 * caller gave none), and `__proto__` must be written as a computed key (`{ __proto__: v }`
 * sets the prototype instead of a property).
 */
export function isInherited(n: string): boolean {
  return n === "__proto__" || n in Object.prototype;
}

/** An object literal key for `n` that defines an own property called `n`. */
export function propKey(n: string): string {
  if (n === "__proto__") return `["__proto__"]`;
  return /^[A-Za-z_$][\w$]*$/.test(n) ? n : str(n);
}

/** `{ k: v, … }` whose keys are own properties, whatever they are called. */
export function objectLiteral(entries: [string, string][]): string {
  return `{ ${entries.map(([k, v]) => `${propKey(k)}: ${v}`).join(", ")} }`;
}

/** A JSON-like value as a TypeScript expression (JSON.stringify, but keys become own properties). */
export function jsonLiteral(v: unknown): string {
  if (typeof v === "string") return str(v);
  if (v === null || typeof v !== "object") return v === undefined ? "undefined" : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonLiteral).join(", ")}]`;
  return objectLiteral(Object.entries(v).map(([k, x]) => [k, jsonLiteral(x)]));
}

/** A string literal that is safe in any position of generated code. */
export function str(s: string): string {
  return JSON.stringify(s)
    .replace(/[\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\*\//g, "*\\/");
}

/**
 * Text for a comment: no way to close the comment early, and no character that makes the
 * code read differently from how it runs (bidirectional controls, as in Trojan Source).
 */
export function commentText(s: string): string {
  // U+2028 and U+2029 end a `//` comment as a newline does.
  return s
    .replace(/\*\//g, "* /")
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
