// One module's forward as a graph of what actually computes: every submodule call inlined
// down to primitive modules (Linear, norms, activations) and ops, with residual adds and
// products as nodes and variables as edges. Only the branches the configuration executes
// are walked. The diff reads a layer's anatomy off this graph (what feeds attention, which
// norm is on the residual stream, what runs in parallel).
import type { CallExpr } from "../ast/walk.js";
import { opCallsOf, resolvedBlockOf } from "../ops/bound-call.js";
import type { CallExpr as ResolvedCall, ResolvedExpr, ResolvedStmt } from "../resolved/nodes.js";
import { resolvedArch } from "../pipeline.js";
import type { Feature, OpCall } from "../ops/op-def.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { chainScopes, evaluate, mapScope } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";
import { decide, executedBody } from "./executed.js";

export interface FlowNode {
  id: number;
  kind: "input" | "module" | "op" | "add" | "mul" | "part";
  /** The primitive's name (Linear, RMSNorm), the op's, `+`/`×`, or the split op's part index. */
  what: string;
  /** The primitive module's path, else the path of the module whose forward made the node. */
  path: string;
  inputs: number[];
  /** The instance whose forward made the node. */
  owner: Instance;
  /** The primitive module called. */
  instance?: Instance;
  /** The op call, with its evaluated non-tensor arguments by parameter name. */
  call?: CallExpr;
  args: Record<string, Value>;
  /** Module-list arguments of an op (the experts of moe). */
  submodules: Instance[];
  /** What the op's `features` hook says about this call (its feature-table labels). */
  features: Feature[];
  /** A part of a split: its index and the slice of the last axis it takes. */
  part?: { index: number; from?: number; to?: number; of: number };
}

export interface FlowGraph {
  nodes: FlowNode[];
  inputs: number[];
  output: number[];
  /** The module lists a loop walks, outermost first (the model's layer list). */
  loops: Instance[];
}

type Ref = number | Ref[] | undefined;

const flat = (r: Ref): number[] => (r === undefined ? [] : typeof r === "number" ? [r] : r.flatMap(flat));
const paramName = (p: string) => p.replace(/\?$/, "");

/** The graph of `inst`'s forward in model `m`, its tensor parameters as inputs. */
export function buildGraph(m: ElaboratedModel, inst: Instance): FlowGraph {
  const resolved = resolvedArch(m.config.arch);
  const g: FlowGraph = { nodes: [], inputs: [], output: [], loops: [] };
  const add = (n: Omit<FlowNode, "id" | "args" | "submodules" | "features"> & Partial<Pick<FlowNode, "args" | "submodules" | "features">>): number => {
    g.nodes.push({ args: {}, submodules: [], features: [], ...n, id: g.nodes.length });
    return g.nodes.length - 1;
  };
  // The bound calls of each instance's forward, for the ops' hooks.
  const bound = new Map<Instance, OpCall[]>();
  const boundCall = (owner: Instance, e: CallExpr) => {
    if (!bound.has(owner)) bound.set(owner, opCallsOf({ resolved, config: m.config.values, instance: owner }));
    return bound.get(owner)!.find((c) => c.expr === e);
  };
  const fwd = inst.block?.forward;
  if (!fwd) return g;
  const args = fwd.params.map((p) => {
    const id = add({ kind: "input", what: p.name, path: inst.path, inputs: [], owner: inst });
    g.inputs.push(id);
    return id as Ref;
  });
  g.output = flat(inline(inst, args));
  return g;

  function inline(self: Instance, argRefs: Ref[]): Ref {
    const f = resolvedBlockOf(resolved, self)?.forward;
    if (!f) return undefined;
    const scope = chainScopes(mapScope(self.args as Record<string, Value>), mapScope(m.config.values));
    const env = new Map<string, Ref>();
    f.params.forEach(({ formal: p }, i) => env.set(p.name, argRefs[i]));
    const loopModules = new Map<string, Instance>();
    let result: Ref;
    let done = false;

    const moduleOf = (callee: ResolvedExpr): Instance | undefined => {
      const found = lookup(callee);
      return found?.kind === "list" ? found.children[0] : found;
    };
    // The module or module list an expression names (`layer`, `experts[i]`, `CoreNet[3]`).
    const lookup = (callee: ResolvedExpr): Instance | undefined => {
      let found: Instance | undefined;
      if (callee.kind === "name") found = loopModules.get(callee.name) ?? self.children.find((c) => c.name === callee.name);
      else if (callee.kind === "index") {
        const list = lookup(callee.target);
        let i = 0;
        try {
          const v = evaluate(callee.index.syntax, scope);
          if (typeof v === "number") i = v;
        } catch {
          // An index that depends on the loop: every item has the same structure.
        }
        found = list?.children[i] ?? list?.children[0];
      }
      return found;
    };

    const valueOf = (e: ResolvedExpr): Value | undefined => {
      try {
        return evaluate(e.syntax, scope);
      } catch {
        return undefined;
      }
    };

    const call = (e: ResolvedCall): Ref => {
      const res = e.target;
      const positional = e.args.filter((a) => !a.keyword);
      if (res?.kind === "module") {
        const mod = moduleOf(e.callee);
        const refs = positional.map((a) => expr(a.value));
        if (mod?.kind === "block" && mod.block?.forward) {
          const params = mod.block.forward.params;
          const bound: Ref[] = params.map((p, i) => {
            const kw = e.args.find((a) => a.keyword === p.name);
            return kw ? expr(kw.value) : refs[i];
          });
          return inline(mod, bound);
        }
        return add({ kind: "module", what: mod?.primitive?.name ?? mod?.className ?? "module", path: mod?.path ?? self.path, inputs: flat(refs), owner: self, ...(mod ? { instance: mod } : {}) });
      }
      if (res?.kind === "op" && e.callee.kind === "name") {
        const params = res.def.params.map(paramName);
        const inputs: number[] = [];
        const values: Record<string, Value> = {};
        const submodules: Instance[] = [];
        e.args.forEach((a, i) => {
          const name = a.keyword ?? params[positional.indexOf(a)] ?? String(i);
          const t = a.value.type;
          if (t?.kind === "modlist" || t?.kind === "module") {
            const mod = a.value.kind === "name" ? self.children.find((c) => c.name === (a.value as { name: string }).name) : undefined;
            if (mod) submodules.push(mod);
          } else if (t?.kind === "tensor" || t?.kind === "tuple") inputs.push(...flat(expr(a.value)));
          else {
            const v = valueOf(a.value);
            if (v !== undefined) values[name] = v;
          }
        });
        const bc = boundCall(self, e.syntax);
        const id = add({ kind: "op", what: e.callee.name, path: self.path, inputs, owner: self, call: e.syntax, args: values, submodules, features: bc ? bc.def.features(bc) : [] });
        const t = e.type;
        if (t?.kind !== "tuple") return id;
        const n = t.items.length;
        // The sizes a split cuts into, when written as a list of that many numbers, in units of
        // the elements each index of the split axis spans (a head's rows, when the projection
        // was unflattened into heads first).
        const listed = Object.values(values).find((v): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === "number"));
        const input = bc?.type(params[0] ?? "x");
        let unit = 1;
        if (input?.kind === "tensor" && typeof values.axis === "number") {
          const axis = values.axis < 0 ? input.dims.length + values.axis : values.axis;
          for (const d of input.dims.slice(axis + 1)) unit *= bc!.size(d) ?? NaN;
        }
        const sizes = listed && Number.isFinite(unit) ? listed.map((x) => x * unit) : undefined;
        let from = 0;
        return Array.from({ length: n }, (_, i) => {
          const part = sizes ? { index: i, from, to: from + sizes[i]!, of: n } : { index: i, of: n };
          if (sizes) from += sizes[i]!;
          return add({ kind: "part", what: `part ${i}`, path: self.path, inputs: [id], owner: self, part });
        });
      }
      // Builtins (float, len): their first tensor argument, if any.
      return positional.map((a) => expr(a.value)).find((r) => r !== undefined);
    };

    const expr = (e: ResolvedExpr): Ref => {
      switch (e.kind) {
        case "name":
          return env.get(e.name);
        case "binary": {
          const l = expr(e.left);
          const r = expr(e.right);
          if (l === undefined || r === undefined) return l ?? r;
          if (e.op === "+" || e.op === "-" || e.op === "*") {
            const arith = e.op === "*" ? { kind: "mul" as const, what: "×" } : { kind: "add" as const, what: e.op };
            return add({ ...arith, path: self.path, inputs: [...flat(l), ...flat(r)], owner: self });
          }
          return l;
        }
        case "unary":
          return expr(e.operand);
        case "if": {
          const taken = decide(e.cond.syntax, scope);
          return expr(taken === false ? e.else : e.then);
        }
        case "call":
          return call(e);
        case "index":
        case "member":
          return expr(e.target);
        case "list":
          return e.items.map(expr);
        default:
          return undefined;
      }
    };

    const stmts = (ss: readonly ResolvedStmt[]): void => {
      for (const s of ss) {
        if (done) return;
        switch (s.kind) {
          case "let":
          case "assign": {
            const v = expr(s.value);
            if (s.names.length === 1) env.set(s.names[0]!, v);
            else s.names.forEach((n, i) => env.set(n, Array.isArray(v) ? v[i] : v));
            break;
          }
          case "return":
            result = s.values.length === 1 ? expr(s.values[0]!) : s.values.map(expr);
            done = true;
            return;
          case "for": {
            // A loop over a list of like modules runs its first item once (every layer has the
            // same structure); a list of different modules (T5's attention, then MLP) runs each.
            const iter = s.iter;
            const list = iter.type?.kind === "modlist" && iter.kind === "name" ? self.children.find((c) => c.name === iter.name) : undefined;
            if (!list?.children[0]) {
              stmts(s.body);
              break;
            }
            g.loops.push(list);
            const alike = list.children.every((c) => c.className === list.children[0]!.className);
            for (const item of alike ? list.children.slice(0, 1) : list.children) {
              loopModules.set(s.variable, item);
              stmts(s.body);
            }
            break;
          }
          case "if":
            // Executed bodies keep only conditions that depend on the input: follow `then`.
            stmts(s.then);
            break;
          default:
            break;
        }
      }
    };
    stmts(executedBody(f.body, scope));
    return result;
  }
}
