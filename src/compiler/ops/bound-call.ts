// The op calls of an elaborated block instance, read off the resolved IR for the ops' hooks:
// `wkv_heads(r, k, v, d, b, 8)` and `wkv_heads(r, k, v, d, b, heads = 8)` give the same
// `heads`, and a left-out argument reads as the definition's default.
import type * as A from "../ast/nodes.js";
import { evalSym, type NumericEnv } from "../check/symbolic.js";
import type { Instance } from "../elaborate/instance-tree.js";
import { chainScopes, evaluate, mapScope } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";
import type { CallExpr, OpTarget, ResolvedArch, ResolvedBlock } from "../resolved/nodes.js";
import { callsIn } from "../resolved/walk.js";
import type { Sym } from "../shapes/sym.js";
import { exactInt } from "../stats/exact.js";
import type { OpCall } from "./op-def.js";

/** Where a call is read: the resolved architecture, the model's config values and the instance it runs in. */
export interface CallSite {
  resolved: ResolvedArch;
  config: ReadonlyMap<string, Value>;
  instance: Instance;
}

/** The resolved block an elaborated instance runs (the same block object the architecture holds). */
export function resolvedBlockOf(resolved: ResolvedArch, instance: Instance): ResolvedBlock | undefined {
  const b = instance.block;
  const r = b ? resolved.blocks.get(b.name) : undefined;
  return r?.syntax === b ? r : undefined;
}

/** The calls of a block's forward that resolved to an op (not a local or submodule of the same name), bound for the hooks. */
export function opCallsOf(site: CallSite): OpCall[] {
  const body = resolvedBlockOf(site.resolved, site.instance)?.forward?.body;
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
  for (const c of callsIn(body)) if (c.target?.kind === "op") out.push(readCall(c, c.target, site.instance, evaluated, env));
  return out;
}

function readCall(call: CallExpr, target: OpTarget, instance: Instance, evaluated: (e: A.Expr) => Value | undefined, env: NumericEnv): OpCall {
  const { def } = target;
  const written = (name: string) => {
    const a = target.args.get(name);
    return a?.kind === "written" ? a.expr : undefined;
  };
  // A free dimension (B, T) has no value here: evalSym would probe it with a sample size.
  const size = (s: Sym): number | undefined => (s.symbols().every((n) => typeof env.values.get(n) === "number") ? evalSym(s, env) : undefined);
  return {
    def,
    expr: call.syntax,
    arg: (name) => written(name)?.syntax,
    value: (name) => {
      const a = target.args.get(name);
      if (a?.kind === "default") return a.value;
      const v = a ? evaluated(a.expr.syntax) : undefined;
      return v !== undefined ? v : def.defaults?.[name];
    },
    type: (name) => written(name)?.type,
    size,
    count: (s) => exactInt(size(s)),
    submodule: (name) => {
      const e = written(name)?.syntax;
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
