// Config values (numbers, strings, lists, null) as Python literals.
import type { Value } from "../../ir/model.js";
import { pyNumber } from "./python-expr.js";
import { pyStr } from "./python-names.js";

export function pyLiteral(v: Value | undefined): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(", ")}]`;
  if (typeof v === "string") return pyStr(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return pyNumber(v);
}

/** The Python type a value of this .arch type has. */
export function pyType(t: { name: string; list: boolean; optional: boolean }): string {
  const base = t.name === "int" ? "int" : t.name === "float" ? "float" : t.name === "bool" ? "bool" : t.name === "string" ? "str" : "Any";
  const full = t.list ? `List[${base}]` : base;
  return t.optional ? `Optional[${full}]` : full;
}

/** The type of a derived value, read off its value in one configuration. */
export function pyTypeOfValue(v: Value | undefined): string {
  if (v === null || v === undefined) return "Any";
  if (Array.isArray(v)) return "list";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  return Number.isInteger(v) ? "int" : "float";
}
