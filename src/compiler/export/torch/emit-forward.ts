// Forward bodies → Python statements of a torch.nn.Module's forward. Every decision (is this
// name a local, a submodule, a config value; is this call an op or a module) was made by the
// checker and is read from the resolved IR; this file spells it out in Python.
import { namesIn } from "../../ast/walk.js";
import type * as A from "../../ast/nodes.js";
import type { ArchIR } from "../../ir/model.js";
import { fusedExperts } from "../../ops/moe.js";
import { paramName } from "../../ops/op-def.js";
import { typeText, type ModuleListT, type ModuleT, type ModuleVariant } from "../../check/types.js";
import type { CallExpr, ResolvedBlock, ResolvedExpr, ResolvedStmt } from "../../resolved/nodes.js";
import { dedupeVariants } from "../../codegen/forward.js";
import { exprText } from "../../ast/expr-text.js";
import { tokenStreams } from "../../codegen/token-stream.js";
import { pyExpr, pyLiteralExpr } from "./python-expr.js";
import { pyAttr, pyComment, pyName, pyStr } from "./python-names.js";
import { opLowering, primitiveLowering } from "./lowering-lookup.js";

export interface ForwardEmitter {
  arch: ArchIR;
}

const pyOps: Record<string, string> = { "&&": "and", "||": "or" };

/** The forward of block b as the lines of a Python method body (without the `def`). */
export function emitForward(em: ForwardEmitter, rb: ResolvedBlock, isRoot: boolean): { signature: string; body: string[] } {
  const b = rb.syntax;
  const f = b.forward!;
  const rf = rb.forward!;
  const { arch } = em;
  const blockParams = new Set(b.params.map((p) => p.name));
  const lines: string[] = [];
  let indent = 2;
  const push = (s: string) => lines.push("    ".repeat(indent) + s);
  let usesCfg = false;

  const configName = (n: string): string => {
    usesCfg = true;
    return `cfg.${pyAttr(n)}`;
  };
  const freeName = (n: string): string => {
    if (blockParams.has(n)) return `self.${pyAttr(n)}`;
    if (arch.params.has(n) || arch.lets.has(n)) return configName(n);
    return pyName(n);
  };

  const moduleCall = (t: ModuleT, target: string, args: string[]): string => {
    const one = (v: ModuleVariant): string => {
      if (v.kind === "primitive") {
        const low = primitiveLowering(v.primitive.name);
        return low.apply ? low.apply(target, args[0] ?? "None") : `${target}(${args.join(", ")})`;
      }
      return `${target}(${[...args, "ctx=ctx"].join(", ")})`;
    };
    const distinct = dedupeVariants(t.variants);
    if (distinct.length === 1 || distinct.every((v) => v.kind === "block")) return one(distinct[0]!);
    if (distinct.every((v) => v.kind === "primitive" && !primitiveLowering(v.primitive.name).apply)) return `${target}(${args.join(", ")})`;
    // Chosen per instance when the model is built: a block takes the context, a primitive not.
    return `fn.apply(${target}, ${args.join(", ")}, ctx=ctx)`;
  };

  const expr = (e: ResolvedExpr): string => {
    switch (e.kind) {
      case "name": {
        switch (e.binding?.kind) {
          case "local":
          case "loopVar":
            return pyName(e.name);
          case "submodule":
          case "blockParam":
            return `self.${pyAttr(e.name)}`;
          case "config":
            return configName(e.name);
          default:
            return freeName(e.name);
        }
      }
      case "num":
      case "str":
      case "bool":
      case "null":
        return pyLiteralExpr(e.syntax);
      case "list":
        return `[${e.items.map(expr).join(", ")}]`;
      case "unary":
        return e.op === "!" ? `(not ${expr(e.operand)})` : `(-${expr(e.operand)})`;
      case "binary": {
        const lt = e.left.type;
        const rt = e.right.type;
        const l = expr(e.left);
        const r = expr(e.right);
        if (lt?.kind === "tensor" || rt?.kind === "tensor") return `(${l} ${e.op} ${r})`;
        if (e.op === "/") return `fn.div(${l}, ${r})`;
        if (e.op === "??") return `fn.coalesce(${l}, ${r})`;
        if (e.op === "==" && e.right.kind === "null") return `(${l} is None)`;
        if (e.op === "!=" && e.right.kind === "null") return `(${l} is not None)`;
        return `(${l} ${pyOps[e.op] ?? e.op} ${r})`;
      }
      case "if":
        return `(${expr(e.then)} if ${expr(e.cond)} else ${expr(e.else)})`;
      case "index":
        return `${expr(e.target)}[${expr(e.index)}]`;
      case "member":
        return `${expr(e.target)}.${pyAttr(e.name)}`;
      case "range":
        return `range(${expr(e.from)}, ${expr(e.to)})`;
      case "call":
        return call(e);
      case "comprehension":
        return pyExpr(e.syntax, freeName);
    }
  };

  const call = (e: CallExpr): string => {
    const target = e.target;
    if (target?.kind === "module") return moduleCall(target.module, expr(e.callee), e.args.map((a) => expr(a.value)));
    if (target?.kind === "builtin") return pyExpr(e.syntax, freeName);
    if (target?.kind !== "op") throw new Error(`torch export: the call at ${e.span.line}:${e.span.col} is neither a module nor an op`);
    const { def: op, site } = target;
    const name = op.name;
    const low = opLowering(name, e.span);
    const positional = op.params.map(paramName);
    // The arguments the call wrote, by parameter name; a left-out one takes the helper's own default.
    const byName: Record<string, string | undefined> = {};
    const kw: [string, string][] = [];
    for (const [k, a] of target.args) {
      if (a.kind !== "written") continue;
      const v = argValue(a.expr);
      byName[k] = v;
      if (a.keyword && !positional.includes(k)) kw.push([k, v]);
    }
    const rest = target.rest.map(argValue);
    if (low.inline) return low.inline(byName, rest);
    const args: string[] = [];
    if (op.stateful) args.push("ctx", `(self, ${site})`);
    else if (low.context) args.push("ctx");
    // Positional arguments up to the last one given; a gap takes the helper's default by name.
    let gap = false;
    for (const p of positional) {
      const v = byName[p];
      if (v === undefined) {
        gap = true;
        continue;
      }
      const text = op.lazy ? `lambda: ${v}` : v;
      args.push(gap ? `${pyAttr(p)}=${text}` : text);
    }
    args.push(...rest, ...kw.map(([k, v]) => `${k}=${v}`));
    return `ops.${name}(${args.join(", ")})`;
  };

  // A module list passed to an op (moe experts) becomes a function of (index, rows); so does
  // a fused-experts block, whose forward takes (rows, index).
  const argValue = (e: ResolvedExpr): string => {
    const t = e.type;
    if (t && fusedExperts(t)) return `lambda i, rows: ${moduleCall(t as ModuleT, expr(e), ["rows", "i"])}`;
    if (t?.kind === "modlist") {
      const item = (t as ModuleListT).item;
      // A list of bare parameters (nn.ParameterList) is passed as its tensors.
      if (item.variants.length > 0 && item.variants.every((v) => v.kind === "primitive" && v.primitive.apply.kind === "value")) return `list(${expr(e)})`;
      return `lambda i, rows: ${moduleCall(item, `${expr(e)}[i]`, ["rows"])}`;
    }
    return expr(e);
  };

  const shapeComment = (s: Extract<ResolvedStmt, { kind: "let" | "assign" }>): void => {
    const bound = s.bound;
    const parts = bound.filter((x) => x.type.kind === "tensor").map((x) => `${x.name}: ${typeText(x.type)}`);
    if (parts.length) push(`# ${pyComment(parts.join(", "))}`);
  };

  const stmt = (s: ResolvedStmt): void => {
    switch (s.kind) {
      case "let":
      case "assign":
        shapeComment(s);
        push(`${s.names.map(pyName).join(", ")} = ${expr(s.value)}`);
        break;
      case "return":
        push(`return ${s.values.map(expr).join(", ")}`);
        break;
      case "emit":
        push(`ctx.emit(${pyStr(s.name)}, ${s.index ? expr(s.index) : "None"}, ${expr(s.value)})`);
        break;
      case "for":
        push(`for ${pyName(s.variable)} in ${expr(s.iter)}:`);
        indent++;
        s.body.forEach(stmt);
        if (s.body.length === 0) push("pass");
        indent--;
        break;
      case "if":
        push(`if ${expr(s.cond)}:`);
        indent++;
        s.then.forEach(stmt);
        if (s.then.length === 0) push("pass");
        indent--;
        if (s.else) {
          push("else:");
          indent++;
          s.else.forEach(stmt);
          if (s.else.length === 0) push("pass");
          indent--;
        }
        break;
    }
  };

  const required = f.params.filter((p) => !p.default);
  const optional = f.params.filter((p) => p.default);
  // A root's own call makes the context, sized by the input a generation extends.
  const stream = tokenStreams(b).stream ?? required[0]?.name;
  if (isRoot) push(`ctx = Context.enter(ctx, ${stream ? pyName(stream) : "None"}, attention_mask)`);
  for (const { formal: p, default: d } of rf.params) {
    if (!d) continue;
    push(`if ${pyName(p.name)} is None:`);
    indent++;
    push(`${pyName(p.name)} = ${expr(d)}`);
    indent--;
  }
  // Free dims of the inputs (`B`, `T` in `x: [B, T, d]`) used as values are read off the inputs.
  const used = namesIn(f.body);
  const bound = new Set<string>();
  for (const p of required) {
    p.type.dims.forEach((d, j) => {
      if (d.kind !== "name" || bound.has(d.name) || !used.has(d.name) || blockParams.has(d.name) || arch.params.has(d.name) || arch.lets.has(d.name)) return;
      bound.add(d.name);
      push(`${pyName(d.name)} = ${pyName(p.name)}.shape[${j}]`);
    });
  }
  rf.body.forEach(stmt);
  if (usesCfg) lines.unshift("        cfg = self.config");
  const tensorType = (t: A.TensorType) => `${t.ids ? "ids" : ""}[${t.dims.map(exprText).join(", ")}]`;
  const sigText = `${f.params.map((p) => `${p.name}: ${tensorType(p.type)}`).join(", ")}${f.result ? ` -> ${tensorType(f.result)}` : ""}`;
  const params = [...required.map((p) => `${pyName(p.name)}: Tensor`), ...optional.map((p) => `${pyName(p.name)}: Optional[Tensor] = None`)];
  const signature = isRoot
    ? `def forward(self, ${[...params, "attention_mask: Optional[Tensor] = None", "ctx: Optional[Context] = None"].join(", ")})`
    : `def forward(self, ${[...params, "*", "ctx: Context"].join(", ")})`;
  lines.unshift(`        # ${pyComment(sigText)}`);
  return { signature, body: lines };
}

