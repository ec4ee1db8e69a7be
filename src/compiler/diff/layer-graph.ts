// One module's forward as a graph of what actually computes: every submodule call inlined
// down to primitive modules (Linear, norms, activations) and ops, with residual adds and
// products as nodes and variables as edges. Only the branches the configuration executes
// are walked. The diff reads a layer's anatomy off this graph (what feeds attention, which
// norm is on the residual stream, what runs in parallel).
import type { CallExpr } from "../ast/walk.js";
import { opCallsOf, resolvedBlockOf } from "../ops/bound-call.js";
import type { CallExpr as ResolvedCall, OpTarget, ResolvedArch, ResolvedExpr, ResolvedForward, ResolvedStmt } from "../resolved/nodes.js";
import { resolvedArch } from "../pipeline.js";
import type { Feature, OpCall } from "../ops/op-def.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { chainScopes, evaluate, mapScope, type Scope } from "../eval/evaluate.js";
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
  /** The op call bound to its definition, for the definition's hooks. */
  bound?: OpCall;
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
  return new GraphBuilder(m).build(inst);
}

type NewNode = Omit<FlowNode, "id" | "args" | "submodules" | "features"> & Partial<Pick<FlowNode, "args" | "submodules" | "features">>;

/** The graph being built, and what every forward inlined into it shares: the model, its resolved IR, each instance's bound op calls. */
class GraphBuilder {
  readonly graph: FlowGraph = { nodes: [], inputs: [], output: [], loops: [] };
  private readonly resolved: ResolvedArch;
  // The bound calls of each instance's forward, for the ops' hooks.
  private readonly bound = new Map<Instance, OpCall[]>();

  constructor(readonly m: ElaboratedModel) {
    this.resolved = resolvedArch(m.config.arch);
  }

  build(inst: Instance): FlowGraph {
    const g = this.graph;
    const fwd = inst.block?.forward;
    if (!fwd) return g;
    const args = fwd.params.map((p) => {
      const id = this.add({ kind: "input", what: p.name, path: inst.path, inputs: [], owner: inst });
      g.inputs.push(id);
      return id as Ref;
    });
    g.output = flat(this.inline(inst, args));
    return g;
  }

  add(n: NewNode): number {
    const nodes = this.graph.nodes;
    nodes.push({ args: {}, submodules: [], features: [], ...n, id: nodes.length });
    return nodes.length - 1;
  }

  boundCall(owner: Instance, e: CallExpr): OpCall | undefined {
    if (!this.bound.has(owner)) this.bound.set(owner, opCallsOf({ resolved: this.resolved, config: this.m.config.values, instance: owner }));
    return this.bound.get(owner)!.find((c) => c.expr === e);
  }

  /** What `self`'s forward returns, called on `argRefs`, its nodes added to the graph. */
  inline(self: Instance, argRefs: Ref[]): Ref {
    const f = resolvedBlockOf(this.resolved, self)?.forward;
    if (!f) return undefined;
    return new ForwardInliner(this, self, f, argRefs).run();
  }
}

/**
 * One instance's forward inlined into the graph: its state is the variables bound so far (each
 * to the nodes computing it), the module each loop variable stands for, and the returned value.
 */
class ForwardInliner {
  private readonly scope: Scope;
  private readonly env = new Map<string, Ref>();
  private readonly loopModules = new Map<string, Instance>();
  private result: Ref;
  private done = false;

  constructor(
    private readonly builder: GraphBuilder,
    private readonly self: Instance,
    private readonly f: ResolvedForward,
    argRefs: Ref[],
  ) {
    this.scope = chainScopes(mapScope(self.args as Record<string, Value>), mapScope(builder.m.config.values));
    f.params.forEach(({ formal: p }, i) => this.env.set(p.name, argRefs[i]));
  }

  run(): Ref {
    this.stmts(executedBody(this.f.body, this.scope));
    return this.result;
  }

  private add(n: NewNode): number {
    return this.builder.add(n);
  }

  // ---- modules named in the body

  private moduleOf(callee: ResolvedExpr): Instance | undefined {
    const found = this.lookup(callee);
    return found?.kind === "list" ? found.children[0] : found;
  }

  /** The module or module list an expression names (`layer`, `experts[i]`, `CoreNet[3]`, `norm_attn_norm.attn`). */
  private lookup(callee: ResolvedExpr): Instance | undefined {
    if (callee.kind === "name") return this.loopModules.get(callee.name) ?? this.self.children.find((c) => c.name === callee.name);
    if (callee.kind === "member") return this.lookup(callee.target)?.children.find((c) => c.name === callee.name);
    if (callee.kind !== "index") return undefined;
    const list = this.lookup(callee.target);
    let i = 0;
    try {
      const v = evaluate(callee.index.syntax, this.scope);
      if (typeof v === "number") i = v;
    } catch {
      // An index that depends on the loop: every item has the same structure.
    }
    return list?.children[i] ?? list?.children[0];
  }

  private valueOf(e: ResolvedExpr): Value | undefined {
    try {
      return evaluate(e.syntax, this.scope);
    } catch {
      return undefined;
    }
  }

  // ---- calls

  private call(e: ResolvedCall): Ref {
    const res = e.target;
    if (res?.kind === "module") return this.moduleCall(e);
    if (res?.kind === "op" && e.callee.kind === "name") return this.opCall(e, res, e.callee.name);
    // Builtins (float, len): their first tensor argument, if any.
    return e.args
      .filter((a) => !a.keyword)
      .map((a) => this.expr(a.value))
      .find((r) => r !== undefined);
  }

  /** A block's forward is inlined; a primitive module is one node. */
  private moduleCall(e: ResolvedCall): Ref {
    const mod = this.moduleOf(e.callee);
    const refs = e.args.filter((a) => !a.keyword).map((a) => this.expr(a.value));
    if (mod?.kind === "block" && mod.block?.forward) {
      const bound: Ref[] = mod.block.forward.params.map((p, i) => {
        const kw = e.args.find((a) => a.keyword === p.name);
        return kw ? this.expr(kw.value) : refs[i];
      });
      return this.builder.inline(mod, bound);
    }
    const self = this.self;
    return this.add({ kind: "module", what: mod?.primitive?.name ?? mod?.className ?? "module", path: mod?.path ?? self.path, inputs: flat(refs), owner: self, ...(mod ? { instance: mod } : {}) });
  }

  /** An op is one node, its tensor arguments as inputs, its other arguments evaluated; a split also gets one node per part. */
  private opCall(e: ResolvedCall, target: OpTarget, what: string): Ref {
    const self = this.self;
    const params = target.def.params.map(paramName);
    const positional = e.args.filter((a) => !a.keyword);
    const inputs: number[] = [];
    const values: Record<string, Value> = {};
    const submodules: Instance[] = [];
    e.args.forEach((a, i) => {
      const name = a.keyword ?? params[positional.indexOf(a)] ?? String(i);
      const v = a.value;
      const t = v.type;
      if (t?.kind === "modlist" || t?.kind === "module") {
        const mod = this.lookup(v);
        if (mod) submodules.push(mod);
      } else if (t?.kind === "tensor" || t?.kind === "tuple") inputs.push(...flat(this.expr(v)));
      else {
        const value = this.valueOf(v);
        if (value !== undefined) values[name] = value;
      }
    });
    const bc = this.builder.boundCall(self, e.syntax);
    const id = this.add({ kind: "op", what, path: self.path, inputs, owner: self, call: e.syntax, args: values, submodules, features: bc ? bc.def.features(bc) : [], ...(bc ? { bound: bc } : {}) });
    const t = e.type;
    return t?.kind === "tuple" ? this.parts(id, t.items.length, values, bc, params) : id;
  }

  /**
   * The n parts of a split. The sizes it cuts into, when written as a list of that many numbers,
   * in units of the elements each index of the split axis spans (a head's rows, when the
   * projection was unflattened into heads first).
   */
  private parts(id: number, n: number, values: Record<string, Value>, bc: OpCall | undefined, params: string[]): Ref {
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
      return this.add({ kind: "part", what: `part ${i}`, path: this.self.path, inputs: [id], owner: this.self, part });
    });
  }

  // ---- expressions

  private expr(e: ResolvedExpr): Ref {
    switch (e.kind) {
      case "name":
        return this.env.get(e.name);
      case "binary":
        return this.binary(e);
      case "unary":
        return this.expr(e.operand);
      case "if": {
        const taken = decide(e.cond.syntax, this.scope);
        return this.expr(taken === false ? e.else : e.then);
      }
      case "call":
        return this.call(e);
      case "index":
      case "member":
        return this.expr(e.target);
      case "list":
        return e.items.map((x) => this.expr(x));
      default:
        return undefined;
    }
  }

  /** `+`, `-` and `*` of two tensors are nodes (residual adds, gates); other operators pass their left operand on. */
  private binary(e: Extract<ResolvedExpr, { kind: "binary" }>): Ref {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    if (l === undefined || r === undefined) return l ?? r;
    if (e.op === "+" || e.op === "-" || e.op === "*") {
      const arith = e.op === "*" ? { kind: "mul" as const, what: "×" } : { kind: "add" as const, what: e.op };
      return this.add({ ...arith, path: this.self.path, inputs: [...flat(l), ...flat(r)], owner: this.self });
    }
    return l;
  }

  // ---- statements

  private stmts(ss: readonly ResolvedStmt[]): void {
    for (const s of ss) {
      if (this.done) return;
      switch (s.kind) {
        case "let":
        case "assign": {
          const v = this.expr(s.value);
          if (s.names.length === 1) this.env.set(s.names[0]!, v);
          else s.names.forEach((n, i) => this.env.set(n, Array.isArray(v) ? v[i] : v));
          break;
        }
        case "return":
          this.result = s.values.length === 1 ? this.expr(s.values[0]!) : s.values.map((v) => this.expr(v));
          this.done = true;
          return;
        case "for":
          this.loop(s);
          break;
        case "if":
          // Executed bodies keep only conditions that depend on the input: follow `then`.
          this.stmts(s.then);
          break;
        default:
          break;
      }
    }
  }

  /**
   * A loop over a list of like modules runs its first item once (every layer has the same
   * structure); a list of different modules (T5's attention, then MLP) runs each.
   */
  private loop(s: Extract<ResolvedStmt, { kind: "for" }>): void {
    const iter = s.iter;
    const list = iter.type?.kind === "modlist" && iter.kind === "name" ? this.self.children.find((c) => c.name === iter.name) : undefined;
    if (!list?.children[0]) {
      this.stmts(s.body);
      return;
    }
    this.builder.graph.loops.push(list);
    const alike = list.children.every((c) => c.className === list.children[0]!.className);
    for (const item of alike ? list.children.slice(0, 1) : list.children) {
      this.loopModules.set(s.variable, item);
      this.stmts(s.body);
    }
  }
}
