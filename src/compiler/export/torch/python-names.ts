// Identifiers in generated Python. .arch names are [A-Za-z_][A-Za-z0-9_]* already; what
// remains is to keep them clear of Python keywords, builtins the generated code calls and
// the names it introduces itself (self, cfg, ctx, …).
const keywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from global if " +
    "import in is lambda nonlocal not or pass raise return try while with yield match case"
  ).split(" "),
);

/** Names generated code introduces or calls in every function. */
const internal = new Set(["self", "cfg", "ctx", "torch", "nn", "F", "ops", "fn", "layers", "math", "range", "len", "min", "max", "int", "float", "list", "super"]);

export function pyName(n: string): string {
  return keywords.has(n) || internal.has(n) ? `${n}_` : n;
}

/** An attribute name: only keywords need escaping (`self.lambda` is a syntax error). */
export function pyAttr(n: string): string {
  return keywords.has(n) ? `${n}_` : n;
}

/** A Python string literal. */
export function pyStr(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Text safe inside a `#` comment. */
export function pyComment(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, " ");
}

export const isPyIdentifier = (s: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !keywords.has(s);
