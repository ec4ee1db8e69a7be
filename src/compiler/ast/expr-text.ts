// An expression as source text, for messages, generated comments and the diff: what was
// written, with parentheses only where the grammar needs them.
import type * as A from "./nodes.js";

export function exprText(e: A.Expr): string {
  switch (e.kind) {
    case "num":
      return e.isFloat && Number.isInteger(e.value) ? `${e.value}.0` : String(e.value);
    case "str":
      return JSON.stringify(e.value);
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "name":
      return e.name;
    case "unary":
      return `${e.op}${e.operand.kind === "binary" || e.operand.kind === "if" || e.operand.kind === "range" ? `(${exprText(e.operand)})` : exprText(e.operand)}`;
    case "binary":
      return `${operand(e.left, e.op, "left")} ${e.op} ${operand(e.right, e.op, "right")}`;
    case "if":
      return `if ${exprText(e.cond)} then ${exprText(e.then)} else ${exprText(e.else)}`;
    case "range":
      return `${exprText(e.from)}..${exprText(e.to)}`;
    case "call":
      return `${exprText(e.callee)}(${e.args.map((a) => (a.keyword ? `${a.keyword} = ` : "") + exprText(a.value)).join(", ")})`;
    case "index":
      return `${exprText(e.target)}[${exprText(e.index)}]`;
    case "member":
      return `${exprText(e.target)}.${e.name}`;
    case "list":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "comprehension":
      return `[${exprText(e.item)} for ${e.variable} in ${exprText(e.iter)}]`;
  }
}

// Binding strength of each operator, as the grammar parses them (grammar/parser.ts).
const precedence: Record<A.BinaryOp, number> = {
  "??": 1, "||": 2, "&&": 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, in: 4,
  "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "@": 6, "**": 8,
};

// Parentheses only where the grammar needs them, so that messages quote what was written.
function operand(e: A.Expr, parent: A.BinaryOp, side: "left" | "right"): string {
  const text = exprText(e);
  if (e.kind === "if" || e.kind === "range") return `(${text})`;
  if (parent === "**" && side === "left" && (e.kind === "unary" || (e.kind === "num" && e.value < 0))) return `(${text})`;
  if (e.kind !== "binary") return text;
  const p = precedence[e.op];
  const q = precedence[parent];
  if (p !== q) return p < q ? `(${text})` : text;
  // Equal strength: left-associative except `**`; comparisons do not chain.
  const keepsAssociation = q !== 4 && (parent === "**" ? side === "right" : side === "left");
  return keepsAssociation ? text : `(${text})`;
}
