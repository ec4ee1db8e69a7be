// Evaluates config-level expressions: hyperparameter defaults, derived values, requires,
// submodule arguments and conditions. Tensors never appear here.
import type * as A from "../ast/nodes.js";
import type { Value } from "../ir/model.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import { pyFloat } from "./pyformat.js";

/** Ranges count layers, heads or experts: a longer one is a typo that would exhaust memory. */
export const MAX_RANGE = 1_000_000;

export class EvalError extends Error {
  constructor(
    message: string,
    public readonly span: A.Span,
    public readonly code: DiagnosticCode = "E0203",
    public readonly hint?: string,
  ) {
    super(message);
  }
}

/** Looks a name up; returns undefined when the name is not a config value here. */
export type Scope = (name: string, span: A.Span) => Value | undefined;

export function chainScopes(...scopes: Scope[]): Scope {
  return (name, span) => {
    for (const s of scopes) {
      const v = s(name, span);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export function mapScope(values: ReadonlyMap<string, Value> | Record<string, Value>): Scope {
  if (values instanceof Map) return (n) => values.get(n);
  const rec = values as Record<string, Value>;
  return (n) => (Object.prototype.hasOwnProperty.call(rec, n) ? rec[n] : undefined);
}

type Builtin = (args: Value[], span: A.Span) => Value;

const num = (v: Value, span: A.Span, what = "argument"): number => {
  if (typeof v !== "number") throw new EvalError(`${what} must be a number, found ${describe(v)}`, span, "E0201");
  return v;
};

export const builtins: Record<string, Builtin> = {
  min: (a, s) => Math.min(...flat(a).map((v) => num(v, s))),
  max: (a, s) => Math.max(...flat(a).map((v) => num(v, s))),
  abs: (a, s) => Math.abs(num(a[0] ?? null, s)),
  floor: (a, s) => Math.floor(num(a[0] ?? null, s)),
  ceil: (a, s) => Math.ceil(num(a[0] ?? null, s)),
  round: (a, s) => pyRound(num(a[0] ?? null, s)),
  int: (a, s) => Math.trunc(num(a[0] ?? null, s)),
  float: (a, s) => num(a[0] ?? null, s),
  sqrt: (a, s) => Math.sqrt(num(a[0] ?? null, s)),
  log: (a, s) => Math.log(num(a[0] ?? null, s)),
  log2: (a, s) => Math.log2(num(a[0] ?? null, s)),
  exp: (a, s) => Math.exp(num(a[0] ?? null, s)),
  f32: (a, s) => Math.fround(num(a[0] ?? null, s)),
  len: (a, s) => {
    const v = a[0];
    if (!Array.isArray(v)) throw new EvalError(`len() needs a list, found ${describe(v ?? null)}`, s, "E0201");
    return v.length;
  },
  sum: (a, s) => flat(a).reduce<number>((acc, v) => acc + num(v, s), 0),
  // OpenELM / MobileNet rounding: nearest multiple of `divisor`, never below 90% of v.
  make_divisible: (a, s) => {
    const v = num(a[0] ?? null, s);
    const d = num(a[1] ?? null, s);
    const minValue = a[2] === undefined ? d : num(a[2], s);
    let nv = Math.max(minValue, Math.floor((v + d / 2) / d) * d);
    if (nv < 0.9 * v) nv += d;
    return nv;
  },
  str: (a) => formatValue(a[0] ?? null),
  // One level of nesting removed: [[a, b], [c]] -> [a, b, c] (expanding per-layer patterns).
  concat_lists: (a, s) => {
    const v = a[0];
    if (!Array.isArray(v) || !v.every((x) => Array.isArray(x))) throw new EvalError(`concat_lists() needs a list of lists, found ${describe(v ?? null)}`, s, "E0201");
    return (v as Value[][]).flat();
  },
};
// Looked up by names from .arch files: `toString` or `constructor` must find nothing.
Object.setPrototypeOf(builtins, null);

function flat(a: Value[]): Value[] {
  return a.length === 1 && Array.isArray(a[0]) ? (a[0] as Value[]) : a;
}

// Python 3 round(): half to even.
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function describe(v: Value | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `list [${v.map((x) => describe(x)).join(", ")}]`;
  if (typeof v === "string") return `string ${JSON.stringify(v)}`;
  if (typeof v === "boolean") return `bool ${v}`;
  return `${Number.isInteger(v) ? "int" : "float"} ${formatValue(v)}`;
}

export function formatValue(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
  return String(v);
}

export function evaluate(e: A.Expr, scope: Scope): Value {
  switch (e.kind) {
    case "num":
      return e.value;
    case "str":
      return e.value;
    case "bool":
      return e.value;
    case "null":
      return null;
    case "name": {
      const v = scope(e.name, e.span);
      if (v === undefined) throw new EvalError(`unknown name \`${e.name}\``, e.span, "E0101");
      return v;
    }
    case "unary": {
      const v = evaluate(e.operand, scope);
      if (e.op === "!") return !truthy(v, e.operand.span);
      return -num(v, e.operand.span, "operand of `-`");
    }
    case "binary":
      return binary(e, scope);
    case "if":
      return truthy(evaluate(e.cond, scope), e.cond.span) ? evaluate(e.then, scope) : evaluate(e.else, scope);
    case "range": {
      const from = num(evaluate(e.from, scope), e.from.span);
      const to = num(evaluate(e.to, scope), e.to.span);
      if (to - from > MAX_RANGE) throw new EvalError(`the range ${from}..${to} has more than ${MAX_RANGE.toLocaleString("en-US")} elements`, e.span, "E0203");
      const out: number[] = [];
      for (let i = from; i < to; i++) out.push(i);
      return out;
    }
    case "list":
      return e.items.map((i) => evaluate(i, scope));
    case "comprehension": {
      const iter = evaluate(e.iter, scope);
      if (!Array.isArray(iter)) throw new EvalError(`cannot iterate over ${describe(iter)}`, e.iter.span, "E0201");
      return iter.map((v) => evaluate(e.item, (n, s) => (n === e.variable ? v : scope(n, s))));
    }
    case "index": {
      const target = evaluate(e.target, scope);
      const idx = num(evaluate(e.index, scope), e.index.span, "index");
      if (!Array.isArray(target)) throw new EvalError(`cannot index ${describe(target)}`, e.target.span, "E0201");
      const i = idx < 0 ? target.length + idx : idx;
      if (!Number.isInteger(i) || i < 0 || i >= target.length) {
        throw new EvalError(`index ${idx} is out of range for a list of ${target.length}`, e.index.span, "E0203");
      }
      return target[i]!;
    }
    case "call": {
      if (e.callee.kind !== "name" || !builtins[e.callee.name]) {
        const name = e.callee.kind === "name" ? e.callee.name : "expression";
        throw new EvalError(`\`${name}\` is not a function of config values`, e.callee.span, "E0101", `config functions: ${Object.keys(builtins).join(", ")}`);
      }
      return builtins[e.callee.name]!(e.args.map((a) => evaluate(a.value, scope)), e.span);
    }
    case "member":
      throw new EvalError(`\`.${e.name}\` is not allowed in a config expression`, e.span, "E0203");
  }
}

export function truthy(v: Value, span: A.Span): boolean {
  if (typeof v === "boolean") return v;
  throw new EvalError(`a condition must be a bool, found ${describe(v)}`, span, "E0201");
}

function binary(e: Extract<A.Expr, { kind: "binary" }>, scope: Scope): Value {
  if (e.op === "&&") return truthy(evaluate(e.left, scope), e.left.span) && truthy(evaluate(e.right, scope), e.right.span);
  if (e.op === "||") return truthy(evaluate(e.left, scope), e.left.span) || truthy(evaluate(e.right, scope), e.right.span);
  if (e.op === "??") {
    const l = evaluate(e.left, scope);
    return l === null ? evaluate(e.right, scope) : l;
  }
  const l = evaluate(e.left, scope);
  const r = evaluate(e.right, scope);
  switch (e.op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "in":
      if (!Array.isArray(r)) throw new EvalError(`\`in\` needs a list on the right, found ${describe(r)}`, e.right.span, "E0201");
      return r.some((x) => equal(x, l));
    case "+":
      if (typeof l === "string" || typeof r === "string") return `${formatValue(l)}${formatValue(r)}`;
      break;
  }
  const a = num(l, e.left.span, `left operand of \`${e.op}\``);
  const b = num(r, e.right.span, `right operand of \`${e.op}\``);
  switch (e.op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (b === 0) throw new EvalError("division by zero", e.right.span, "E0203");
      return a / b;
    case "//":
      if (b === 0) throw new EvalError("division by zero", e.right.span, "E0203");
      return Math.floor(a / b);
    case "%":
      if (b === 0) throw new EvalError("modulo by zero", e.right.span, "E0203");
      return ((a % b) + b) % b;
    case "**":
      return a ** b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    default:
      throw new EvalError(`\`${e.op}\` is not defined on config values`, e.span, "E0203");
  }
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  return a === b;
}

/** Replaces `{expr}` in class names and reprs; numbers print the Python way. */
export function interpolate(template: string, scope: Scope, span: A.Span, format: (v: Value) => string = formatValue): string {
  // {{ and }} stand for literal braces, as in Python's str.format.
  return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) => {
    if (name === undefined) return m[0]!;
    const v = scope(name, span);
    if (v === undefined) throw new EvalError(`unknown name \`${name}\` in string`, span, "E0101");
    return format(v);
  });
}
