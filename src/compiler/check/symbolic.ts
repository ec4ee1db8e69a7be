// Config expressions as symbolic dimensions, and the numeric environments (one per preset
// plus the defaults) used where the algebra cannot decide an equality.
import type * as A from "../ast/nodes.js";
import type { ArchIR, Value } from "../ir/model.js";
import { exprText } from "../ast/expr-text.js";
import { resolveConfig, type Override } from "../eval/config.js";
import { evaluate, EvalError } from "../eval/evaluate.js";
import { Sym } from "../shapes/sym.js";

// An opaque term (`int(head_dim * pct)`, `a // b`, `n % k`, a call, an index, a choice) is an atom
// of the Sym algebra, identified by its text. Its expression is kept so that a concrete
// configuration evaluates it with the real values instead of a probe.
type AtomValue = (env: NumericEnv, extra: ReadonlyMap<string, number>) => number | undefined;
const atomValues = new Map<string, AtomValue>();

function opaque(e: A.Expr): Sym {
  const s = Sym.atom(exprText(e));
  atomValues.set(s.symbols()[0]!, (env, extra) => evalAtom(e, env, extra));
  return s;
}

/** Whether a condition holds in a configuration; undefined when it cannot be told there. */
export type Condition = ((env: NumericEnv) => boolean | undefined) & { text?: string };

/**
 * A condition over config values (`use_norm`, `d != emb`); names `isConfig` rejects (locals,
 * block parameters) make it undecided.
 */
export function condition(e: A.Expr, isConfig: (name: string) => boolean): Condition {
  return Object.assign(holds, { text: exprText(e) });
  function holds(env: NumericEnv): boolean | undefined {
    try {
      const v = evaluate(e, (n) => (isConfig(n) ? env.values.get(n) : undefined));
      return typeof v === "boolean" ? v : undefined;
    } catch (err) {
      if (err instanceof EvalError) return undefined;
      throw err;
    }
  }
}

/**
 * A size that depends on a choice made per configuration (`if c then proj(x) else x`): the
 * size of the first option whose condition holds there; the first option's where none can be told.
 */
export function choiceSym(text: string, options: { when: Condition; sym: Sym }[]): Sym {
  const s = Sym.atom(text);
  atomValues.set(s.symbols()[0]!, (env, extra) => {
    const taken = options.find((o) => o.when(env) === true) ?? options[0]!;
    return evalSym(taken.sym, env, extra);
  });
  return s;
}

/** Converts an expression over config names into a Sym, or undefined if it is not numeric. */
export function toSym(e: A.Expr, lookup: (name: string) => Sym | undefined): Sym | undefined {
  switch (e.kind) {
    case "num":
      return Sym.const(e.value);
    case "name":
      return lookup(e.name);
    case "unary":
      return e.op === "-" ? toSym(e.operand, lookup)?.neg() : undefined;
    case "binary": {
      const l = toSym(e.left, lookup);
      const r = toSym(e.right, lookup);
      if (!l || !r) return undefined;
      switch (e.op) {
        case "+":
          return l.add(r);
        case "-":
          return l.sub(r);
        case "*":
          return l.mul(r);
        case "/":
          return l.div(r);
        case "**": {
          const k = r.constValue();
          if (k !== undefined && Number.isInteger(k) && Math.abs(k) <= 8) {
            let acc = Sym.const(1);
            for (let i = 0; i < Math.abs(k); i++) acc = acc.mul(l);
            return k < 0 ? Sym.const(1).div(acc) : acc;
          }
          return opaque(e);
        }
        case "//":
        case "%":
          return opaque(e);
        default:
          return undefined;
      }
    }
    case "call":
    case "index":
    case "if":
      return opaque(e);
    default:
      return undefined;
  }
}

/**
 * A config name as a symbol. A derived value that is a polynomial of others is replaced by
 * its definition, so that `heads * head_dim` equals `d` when `head_dim = d / heads` is a
 * let; a choice (`if c then a else b`) stays a named symbol (numeric checks then use its
 * value). Undefined for a name that is no param or let.
 */
export function configSymbols(arch: ArchIR): (name: string) => Sym | undefined {
  const syms = new Map<string, Sym>();
  const visiting = new Set<string>();
  const configSym = (name: string): Sym | undefined => {
    const known = syms.get(name);
    if (known) return known;
    if (arch.params.has(name)) {
      const s = Sym.symbol(name);
      syms.set(name, s);
      return s;
    }
    const l = arch.lets.get(name);
    if (!l) return undefined;
    if (visiting.has(name)) return Sym.symbol(name);
    visiting.add(name);
    const s = (l.value.kind === "if" ? undefined : toSym(l.value, configSym)) ?? Sym.symbol(name);
    visiting.delete(name);
    syms.set(name, s);
    return s;
  };
  return configSym;
}

export interface NumericEnv {
  label: string; // "defaults" or `preset "X"`
  values: Map<string, Value>;
}

/** Every concrete configuration the arch declares: its defaults and each preset that resolves. */
export function numericEnvs(arch: ArchIR): NumericEnv[] {
  const envs: NumericEnv[] = [];
  const base = resolveConfig(arch);
  if (base.diagnostics.length === 0) envs.push({ label: "the defaults", values: base.values });
  for (const [name, p] of arch.presets) {
    const overrides = new Map<string, Override>(p.values.map((v) => [v.name, { value: v.value, span: v.span }]));
    const r = resolveConfig(arch, overrides, name);
    if (r.diagnostics.length === 0) envs.push({ label: `preset "${name}"`, values: r.values });
  }
  return envs;
}

// Values for free dims (B, T, …) in numeric checks: distinct primes, unlikely to collide.
const freeDimValues = [7, 11, 13, 17, 19, 23, 29, 31];

export function evalSym(s: Sym, env: NumericEnv, extra: ReadonlyMap<string, number> = new Map()): number | undefined {
  const free = new Map<string, number>();
  return s.evaluate((name) => {
    if (extra.has(name)) return extra.get(name);
    const v = env.values.get(name);
    if (typeof v === "number") return v;
    if (v !== undefined) return undefined;
    const atom = atomValues.get(name);
    if (atom) return atom(env, extra);
    if (!free.has(name)) free.set(name, freeDimValues[free.size % freeDimValues.length]!);
    return free.get(name);
  });
}

// An opaque term over the configuration's values (and the probe values of free dimensions
// already chosen); a name it cannot see (a block parameter) leaves it undecided.
function evalAtom(e: A.Expr, env: NumericEnv, extra: ReadonlyMap<string, number>): number | undefined {
  try {
    const v = evaluate(e, (n) => (extra.has(n) ? extra.get(n) : env.values.get(n)));
    return typeof v === "number" ? v : undefined;
  } catch (err) {
    if (err instanceof EvalError) return undefined;
    throw err;
  }
}
