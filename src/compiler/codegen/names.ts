// Identifiers in generated code. .arch names are already [A-Za-z_][A-Za-z0-9_]* (the
// grammar guarantees it, so nothing can inject code through a name); what remains is to
// keep them clear of TypeScript keywords and of the names generated code uses itself.
const reserved = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with as implements interface " +
    "let package private protected public static yield any boolean number string symbol type from of await async arguments eval " +
    "undefined NaN Infinity constructor prototype"
  ).split(" "),
);

/** Names generated code introduces in every function. */
export const internal = new Set(["self", "cfg", "ctx", "rt", "w", "path"]);

export function localName(n: string): string {
  return reserved.has(n) || internal.has(n) ? `${n}_` : n;
}

export function typeName(block: string): string {
  return reserved.has(block) || internal.has(block) ? `${block}_` : block;
}

/** A string literal that is safe in any position of generated code. */
export function str(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029").replace(/\*\//g, "*\\/");
}

/** Text for a comment: no way to close the comment early. */
export function commentText(s: string): string {
  // U+2028 and U+2029 end a `//` comment as a newline does.
  return s.replace(/\*\//g, "* /").replace(/[\r\n\u2028\u2029]+/g, " ");
}
