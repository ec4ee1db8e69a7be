// Resolves a full configuration of an architecture: every hyperparameter (from overrides,
// a preset or its default) and every derived value, type-checked, then the `require`s.
import type * as A from "../ast/nodes.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ArchIR, Value } from "../ir/model.js";
import { typeText } from "../ir/flatten.js";
import { suggest } from "../diagnostics/suggest.js";
import { describe, evaluate, EvalError, formatValue, type Scope } from "./evaluate.js";
import { exprText } from "../ast/expr-text.js";

export interface Override {
  value: Value | A.Expr;
  span?: A.Span;
}

export interface ResolvedConfig {
  arch: ArchIR;
  preset?: string;
  /** Hyperparameters and derived values, in declaration order (params first). */
  values: Map<string, Value>;
  diagnostics: Diagnostic[];
}

function isExpr(v: Value | A.Expr): v is A.Expr {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "kind" in v;
}

export function evalErrorToDiagnostic(e: EvalError): Diagnostic {
  return error(e.code, e.span, e.message, e.hint ? { hint: e.hint } : {});
}

export function resolveConfig(arch: ArchIR, overrides: ReadonlyMap<string, Override> = new Map(), preset?: string): ResolvedConfig {
  const diagnostics: Diagnostic[] = [];
  const values = new Map<string, Value>();
  const computing = new Set<string>();
  const failed = new Set<string>();

  for (const [name, o] of overrides) {
    if (!arch.params.has(name)) {
      const isLet = arch.lets.has(name);
      diagnostics.push(
        error("E0109", o.span, `\`${arch.name}\` has no hyperparameter \`${name}\``, {
          hint: isLet ? `\`${name}\` is derived (a \`let\`); set the hyperparameters it is computed from` : suggest(name, arch.params.keys()) ?? `hyperparameters: ${[...arch.params.keys()].join(", ")}`,
        }),
      );
    }
  }

  const scope: Scope = (name) => get(name);

  function get(name: string): Value | undefined {
    if (values.has(name)) return values.get(name);
    if (failed.has(name)) throw new Skip();
    const param = arch.params.get(name);
    const let_ = arch.lets.get(name);
    if (!param && !let_) return undefined;
    const span = param?.span ?? let_!.span;
    if (computing.has(name)) {
      const chain = [...computing].slice([...computing].indexOf(name));
      throw new EvalError(`\`${name}\` is defined in terms of itself: ${[...chain, name].join(" → ")}`, span, "E0204", "break the cycle by giving one of the values a literal default");
    }
    computing.add(name);
    try {
      let v: Value;
      if (param) {
        const o = overrides.get(name);
        if (o) v = isExpr(o.value) ? evaluate(o.value, scope) : o.value;
        else if (param.default) v = evaluate(param.default, scope);
        else if (param.type.optional) v = null;
        else throw new EvalError(`hyperparameter \`${name}\` has no default and no value was given`, param.span, "E0203", "give it a default or set it in the preset");
        v = coerce(v, param.type, o?.span ?? param.default?.span ?? param.span, name);
      } else {
        v = evaluate(let_!.value, scope);
      }
      values.set(name, v);
      return v;
    } catch (e) {
      failed.add(name);
      throw e;
    } finally {
      computing.delete(name);
    }
  }

  const order = [...arch.params.keys(), ...arch.lets.keys()];
  for (const name of order) {
    try {
      get(name);
    } catch (e) {
      if (e instanceof EvalError) diagnostics.push(withNameHint(evalErrorToDiagnostic(e), order));
      else if (!(e instanceof Skip)) throw e;
    }
  }
  // Re-insert in declaration order so that printing and codegen are stable.
  const ordered = new Map<string, Value>();
  for (const name of order) if (values.has(name)) ordered.set(name, values.get(name)!);

  const presetDecl = preset ? arch.presets.get(preset) : undefined;
  if (diagnostics.length === 0) {
    for (const r of arch.requires) {
      try {
        const ok = evaluate(r.cond, scope);
        if (ok !== true) {
          diagnostics.push(
            error("E0202", r.cond.span, `requirement \`${exprText(r.cond)}\` does not hold${preset ? ` for preset "${preset}"` : ""}`, {
              expected: r.message ?? exprText(r.cond),
              found: explainValues(r.cond, scope),
              ...(presetDecl ? { notes: [{ message: `preset "${preset}" is defined here`, span: presetDecl.nameSpan }] } : {}),
              hint: preset ? `change the values in preset "${preset}" so that the requirement holds` : "change the defaults so that the requirement holds",
            }),
          );
        }
      } catch (e) {
        if (e instanceof EvalError) diagnostics.push(evalErrorToDiagnostic(e));
        else if (!(e instanceof Skip)) throw e;
      }
    }
  }
  return { arch, ...(preset ? { preset } : {}), values: ordered, diagnostics };
}

class Skip extends Error {}

// An unknown name in a config expression is most often a typo of a hyperparameter.
function withNameHint(d: Diagnostic, names: string[]): Diagnostic {
  const m = /^unknown name `(\w+)`$/.exec(d.message);
  const hint = m && !d.hint ? suggest(m[1]!, names) : undefined;
  return hint ? { ...d, hint } : d;
}

function coerce(v: Value, t: A.TypeRef, span: A.Span, name: string): Value {
  if (v === null) {
    if (t.optional) return null;
    throw new EvalError(`\`${name}\` must be ${typeText(t)}, found null`, span, "E0201", `declare it as \`${t.name}?\` to allow null`);
  }
  if (t.list) {
    if (!Array.isArray(v)) throw new EvalError(`\`${name}\` must be ${typeText(t)}, found ${describe(v)}`, span, "E0201");
    return v.map((x) => coerce(x, { ...t, list: false, optional: false }, span, name));
  }
  const bad = () => new EvalError(`\`${name}\` must be ${typeText(t)}, found ${describe(v)}`, span, "E0201");
  switch (t.name) {
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) throw bad();
      return v;
    case "float":
      if (typeof v !== "number") throw bad();
      return v;
    case "bool":
      if (typeof v !== "boolean") throw bad();
      return v;
    case "string":
      if (typeof v !== "string") throw bad();
      return v;
    case "any":
      return v;
    default:
      throw new EvalError(`unknown type \`${t.name}\``, t.span, "E0201", "types are int, float, bool, string (with [] for lists, ? for optional)");
  }
}

// "d % heads = 4 (d = 100, heads = 32)": the values a failed requirement was computed from.
function explainValues(e: A.Expr, scope: Scope): string {
  const names = new Set<string>();
  const walk = (x: A.Expr): void => {
    if (x.kind === "name") names.add(x.name);
    for (const v of Object.values(x)) {
      if (v && typeof v === "object" && "kind" in v && v !== x.span) walk(v as A.Expr);
      if (Array.isArray(v)) for (const i of v) if (i && typeof i === "object" && "kind" in i) walk(i as A.Expr);
    }
  };
  walk(e);
  const parts: string[] = [];
  if (e.kind === "binary" && ["==", "!=", "<", "<=", ">", ">="].includes(e.op)) {
    try {
      // A literal side (`== 0`) says nothing the condition does not already show.
      const sides = [e.left, e.right].filter((x) => x.kind !== "num" && x.kind !== "str" && x.kind !== "bool" && x.kind !== "null");
      if (sides.length) parts.push(sides.map((x) => `${exprText(x)} = ${formatValue(evaluate(x, scope))}`).join(", "));
    } catch {
      /* fall through to the plain values */
    }
  }
  const vals = [...names].flatMap((n) => {
    try {
      const v = scope(n, e.span);
      return v === undefined ? [] : [`${n} = ${formatValue(v)}`];
    } catch {
      return [];
    }
  });
  if (vals.length) parts.push(`with ${vals.join(", ")}`);
  return parts.join(" ");
}
