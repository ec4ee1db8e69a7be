// Builds the resolved IR of an architecture from the checker's result: a post-pass over each
// forward body that copies every expression with the type and resolution the checker recorded
// for it, binds each name to its declaration and each op call's arguments to parameter names.
// It decides nothing the checker did not: where the checker reported an error the types and
// targets it could not give stay undefined.
import type * as A from "../ast/nodes.js";
import type { CheckResult } from "../check/checker.js";
import type { Annotations } from "../check/types.js";
import type { ArchIR, BlockIR } from "../ir/model.js";
import { opNamed } from "../ops/catalogue.js";
import { paramName, type OpDef } from "../ops/op-def.js";
import type { CallTarget, LocalDecl, NameBinding, OpArgument, OpTarget, ResolvedArch, ResolvedBlock, ResolvedExpr, ResolvedStmt } from "./nodes.js";

export function resolveArch(arch: ArchIR, checked: Pick<CheckResult, "annotations" | "submoduleTypes" | "moduleCallees">): ResolvedArch {
  const blocks = new Map<string, ResolvedBlock>();
  for (const b of arch.blocks.values()) blocks.set(b.name, resolveBlock(arch, b, checked));
  return { arch, blocks, moduleCallees: checked.moduleCallees };
}

/**
 * Binds a call's arguments to the op's parameters: positional ones in order, keywords by name,
 * in the order the call wrote them; positional arguments past the parameters are the rest.
 * Then each parameter left out that the definition gives a default gets it.
 */
function bindOpArguments<X>(def: OpDef, args: readonly { keyword?: string; value: X }[]): { written: Map<string, { expr: X; keyword: boolean }>; rest: X[] } {
  const positional = def.params.map(paramName);
  const written = new Map<string, { expr: X; keyword: boolean }>();
  const rest: X[] = [];
  let next = 0;
  for (const a of args) {
    if (a.keyword) written.set(a.keyword, { expr: a.value, keyword: true });
    else if (next < positional.length) written.set(positional[next++]!, { expr: a.value, keyword: false });
    else rest.push(a.value);
  }
  return { written, rest };
}

function resolveBlock(arch: ArchIR, block: BlockIR, checked: Pick<CheckResult, "annotations" | "submoduleTypes">): ResolvedBlock {
  const submodules = block.submodules.map((decl) => ({ name: decl.name, decl, type: checked.submoduleTypes.get(decl), span: decl.span }));
  const f = block.forward;
  if (!f) return { name: block.name, syntax: block, submodules };
  const r = new BodyResolver(arch, block, f, checked.annotations);
  const params = f.params.map((formal) => (formal.default ? { formal, default: r.expr(formal.default) } : { formal }));
  return { name: block.name, syntax: block, submodules, forward: { syntax: f, params, body: r.stmts(f.body) } };
}

/** The walk of one forward body; its state is the declarations in scope at the point being read. */
class BodyResolver {
  private readonly locals = new Map<string, LocalDecl>();
  private readonly loopVars = new Map<string, Extract<A.Stmt, { kind: "for" }>>();

  constructor(
    private readonly arch: ArchIR,
    private readonly block: BlockIR,
    f: A.ForwardDecl,
    private readonly ann: Annotations,
  ) {
    for (const formal of f.params) {
      formal.type.dims.forEach((d, axis) => {
        if (d.kind === "name" && !this.locals.has(d.name)) this.locals.set(d.name, { kind: "dim", formal, axis });
      });
    }
    for (const formal of f.params) this.locals.set(formal.name, { kind: "input", formal });
  }

  stmts(body: readonly A.Stmt[]): ResolvedStmt[] {
    return body.map((s) => this.stmt(s));
  }

  private stmt(s: A.Stmt): ResolvedStmt {
    switch (s.kind) {
      case "let":
      case "assign": {
        const value = this.expr(s.value);
        if (s.kind === "let") for (const n of s.names) this.locals.set(n, { kind: "let", stmt: s });
        return { kind: s.kind, names: s.names, value, span: s.span, syntax: s, bound: this.ann.bindings.get(s) ?? [] };
      }
      case "return":
        return { kind: "return", values: s.values.map((v) => this.expr(v)), span: s.span, syntax: s };
      case "emit": {
        const index = s.index ? this.expr(s.index) : undefined;
        return { kind: "emit", name: s.name, ...(index ? { index } : {}), value: this.expr(s.value), span: s.span, syntax: s };
      }
      case "for": {
        const iter = this.expr(s.iter);
        const outer = this.loopVars.get(s.variable);
        this.loopVars.set(s.variable, s);
        const body = this.stmts(s.body);
        if (outer) this.loopVars.set(s.variable, outer);
        else this.loopVars.delete(s.variable);
        return { kind: "for", variable: s.variable, iter, body, span: s.span, syntax: s };
      }
      case "if": {
        const cond = this.expr(s.cond);
        const then = this.stmts(s.then);
        const otherwise = s.else ? this.stmts(s.else) : undefined;
        return { kind: "if", cond, then, ...(otherwise ? { else: otherwise } : {}), span: s.span, syntax: s };
      }
    }
  }

  expr(e: A.Expr): ResolvedExpr {
    const base = { span: e.span, type: this.ann.types.get(e) };
    switch (e.kind) {
      case "num":
        return { ...base, kind: "num", value: e.value, isFloat: e.isFloat, syntax: e };
      case "str":
        return { ...base, kind: "str", value: e.value, syntax: e };
      case "bool":
        return { ...base, kind: "bool", value: e.value, syntax: e };
      case "null":
        return { ...base, kind: "null", syntax: e };
      case "name":
        return { ...base, kind: "name", name: e.name, binding: this.binding(e), syntax: e };
      case "unary":
        return { ...base, kind: "unary", op: e.op, operand: this.expr(e.operand), syntax: e };
      case "binary":
        return { ...base, kind: "binary", op: e.op, left: this.expr(e.left), right: this.expr(e.right), syntax: e };
      case "if":
        return { ...base, kind: "if", cond: this.expr(e.cond), then: this.expr(e.then), else: this.expr(e.else), syntax: e };
      case "range":
        return { ...base, kind: "range", from: this.expr(e.from), to: this.expr(e.to), syntax: e };
      case "index":
        return { ...base, kind: "index", target: this.expr(e.target), index: this.expr(e.index), syntax: e };
      case "member":
        return { ...base, kind: "member", target: this.expr(e.target), name: e.name, syntax: e };
      case "list":
        return { ...base, kind: "list", items: e.items.map((x) => this.expr(x)), syntax: e };
      case "comprehension":
        return { ...base, kind: "comprehension", item: this.expr(e.item), variable: e.variable, iter: this.expr(e.iter), syntax: e };
      case "call": {
        const callee = this.expr(e.callee);
        const args = e.args.map((a) => ({ ...(a.keyword !== undefined ? { keyword: a.keyword } : {}), value: this.expr(a.value), span: a.span }));
        return { ...base, kind: "call", callee, args, target: this.target(e, args), syntax: e };
      }
    }
  }

  private binding(e: Extract<A.Expr, { kind: "name" }>): NameBinding | undefined {
    const res = this.ann.resolutions.get(e);
    switch (res?.kind) {
      case "local":
        return { kind: "local", decl: this.locals.get(e.name) };
      case "loopVar":
        return { kind: "loopVar", decl: this.loopVars.get(e.name), overModules: res.overModules };
      case "submodule":
        return { kind: "submodule", decl: this.block.submodules.find((s) => s.name === e.name), type: res.type };
      case "blockParam":
        return { kind: "blockParam", decl: this.block.params.find((p) => p.name === e.name) };
      case "config":
        return { kind: "config", decl: this.arch.params.get(e.name) ?? this.arch.lets.get(e.name) };
      default:
        return undefined;
    }
  }

  private target(e: Extract<A.Expr, { kind: "call" }>, args: { keyword?: string; value: ResolvedExpr }[]): CallTarget | undefined {
    const res = this.ann.resolutions.get(e);
    switch (res?.kind) {
      case "call-module":
        return { kind: "module", module: res.type };
      case "config":
        return { kind: "builtin", name: res.name };
      case "op": {
        const def = opNamed(res.name);
        return def ? opTarget(def, res.site, args) : undefined;
      }
      default:
        return undefined;
    }
  }
}

function opTarget(def: OpDef, site: number, args: { keyword?: string; value: ResolvedExpr }[]): OpTarget {
  const { written, rest } = bindOpArguments<ResolvedExpr>(def, args);
  const bound = new Map<string, OpArgument>([...written].map(([k, w]) => [k, { kind: "written", expr: w.expr, keyword: w.keyword } as const]));
  for (const [k, value] of Object.entries(def.defaults ?? {})) if (!bound.has(k)) bound.set(k, { kind: "default", value });
  return { kind: "op", def, site, args: bound, rest };
}
