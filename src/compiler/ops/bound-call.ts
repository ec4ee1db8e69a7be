// A call's arguments bound to the op's parameter names, the one way every stage reads them:
// `wkv_heads(r, k, v, d, b, 8)` and `wkv_heads(r, k, v, d, b, heads = 8)` give the same
// `heads`, and a left-out argument reads as the definition's default.
import type * as A from "../ast/nodes.js";
import { callsIn, type CallExpr } from "../ast/walk.js";
import type { Annotations } from "../check/types.js";
import { evalSym, type NumericEnv } from "../check/symbolic.js";
import type { Instance } from "../elaborate/instance.js";
import { chainScopes, evaluate, mapScope } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";
import { opNamed } from "./catalogue.js";
import type { Sym } from "../shapes/sym.js";
import { exactInt } from "../stats/exact.js";
import { paramName, type OpCall, type OpDef } from "./op-def.js";

export interface BoundArguments {
  /** Parameter name → the expression written for it, in the order the call wrote them. */
  named: Map<string, A.Expr>;
  /** Positional arguments past the parameters (a variadic op's extra tensors). */
  rest: A.Expr[];
}

/** Binds positional arguments to `def.params` in order and keywords by name (as the checker accepts them). */
export function bindArguments(def: OpDef, call: CallExpr): BoundArguments {
  const positional = def.params.map(paramName);
  const named = new Map<string, A.Expr>();
  const rest: A.Expr[] = [];
  let next = 0;
  for (const a of call.args) {
    if (a.keyword) named.set(a.keyword, a.value);
    else if (next < positional.length) named.set(positional[next++]!, a.value);
    else rest.push(a.value);
  }
  return { named, rest };
}

/** Where a call is read: the checker's annotations, the model's config values and the instance it runs in. */
export interface CallSite {
  annotations: Annotations;
  config: ReadonlyMap<string, Value>;
  instance: Instance;
}

/** The calls of a block's forward that resolved to an op (not a local or submodule of the same name), bound for the hooks. */
export function opCallsOf(site: CallSite): OpCall[] {
  const body = site.instance.block?.forward?.body;
  if (!body) return [];
  // A block's own arguments shadow the model's config values.
  const scope = chainScopes(mapScope(site.instance.args as Record<string, Value>), mapScope(site.config));
  const env = { label: "", values: new Map([...site.config, ...Object.entries(site.instance.args)]) };
  const evaluated = (e: A.Expr): Value | undefined => {
    try {
      return evaluate(e, scope);
    } catch {
      return undefined;
    }
  };
  const out: OpCall[] = [];
  for (const c of callsIn(body)) {
    const res = site.annotations.resolutions.get(c);
    const def = res?.kind === "op" ? opNamed(res.name) : undefined;
    if (def) out.push(readCall(def, c, site, evaluated, env));
  }
  return out;
}

function readCall(def: OpDef, expr: CallExpr, site: CallSite, evaluated: (e: A.Expr) => Value | undefined, env: NumericEnv): OpCall {
  const { named } = bindArguments(def, expr);
  const { instance, annotations } = site;
  // A free dimension (B, T) has no value here: evalSym would probe it with a sample size.
  const size = (s: Sym): number | undefined => (s.symbols().every((n) => typeof env.values.get(n) === "number") ? evalSym(s, env) : undefined);
  return {
    def,
    expr,
    arg: (name) => named.get(name),
    value: (name) => {
      const e = named.get(name);
      const v = e ? evaluated(e) : undefined;
      return v !== undefined ? v : def.defaults?.[name];
    },
    type: (name) => {
      const e = named.get(name);
      return e ? annotations.types.get(e) : undefined;
    },
    size,
    count: (s) => exactInt(size(s)),
    submodule: (name) => {
      const e = named.get(name);
      return e ? submoduleAt(instance, e) : undefined;
    },
  };
}

/** The child instance a name or a path of names (`experts.mlp`) denotes. */
function submoduleAt(instance: Instance, e: A.Expr): Instance | undefined {
  if (e.kind === "name") return instance.children.find((x) => x.name === e.name);
  if (e.kind === "member") {
    const parent = submoduleAt(instance, e.target);
    return parent?.children.find((x) => x.name === e.name);
  }
  return undefined;
}
