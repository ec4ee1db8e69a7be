// Forward bodies → Python statements of a torch.nn.Module's forward. Every decision (is this
// name a local, a submodule, a config value; is this call an op or a module) was made by the
// checker and is read from the resolved IR; this file spells it out in Python.
import { namesIn } from "../../ast/walk.js";
import type * as A from "../../ast/nodes.js";
import type { ArchIR } from "../../ir/model.js";
import { fusedExperts } from "../../ops/moe.js";
import { paramName } from "../../ops/op-def.js";
import { typeText, type ModuleT, type ModuleVariant } from "../../check/types.js";
import type { CallExpr, OpTarget, ResolvedBlock, ResolvedExpr, ResolvedForward, ResolvedStmt } from "../../resolved/nodes.js";
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
  const body = new TorchForwardWriter(em.arch, rb).emit(isRoot);
  return { signature: forwardSignature(rb.syntax.forward!, isRoot), body };
}

/** `def forward(…)`: tensor inputs, then a root's attention mask and optional context, else a required context. */
function forwardSignature(f: A.ForwardDecl, isRoot: boolean): string {
  const required = f.params.filter((p) => !p.default);
  const optional = f.params.filter((p) => p.default);
  const params = [...required.map((p) => `${pyName(p.name)}: Tensor`), ...optional.map((p) => `${pyName(p.name)}: Optional[Tensor] = None`)];
  return isRoot
    ? `def forward(self, ${[...params, "attention_mask: Optional[Tensor] = None", "ctx: Optional[Context] = None"].join(", ")})`
    : `def forward(self, ${[...params, "*", "ctx: Context"].join(", ")})`;
}

/** The .arch signature as a comment: `x: [B, T, d] -> [B, T, d]`. */
function signatureComment(f: A.ForwardDecl): string {
  const tensorType = (t: A.TensorType) => `${t.ids ? "ids" : ""}[${t.dims.map(exprText).join(", ")}]`;
  return `${f.params.map((p) => `${p.name}: ${tensorType(p.type)}`).join(", ")}${f.result ? ` -> ${tensorType(f.result)}` : ""}`;
}

/**
 * Writes one block's forward body. The state shared by its methods: the lines written so far,
 * their indentation, and whether the body reads the configuration (then it starts by naming it).
 */
class TorchForwardWriter {
  private readonly b: ResolvedBlock["syntax"];
  private readonly f: A.ForwardDecl;
  private readonly rf: ResolvedForward;
  private readonly blockParams: Set<string>;
  private readonly lines: string[] = [];
  private indent = 2;
  private usesCfg = false;

  constructor(
    private readonly arch: ArchIR,
    rb: ResolvedBlock,
  ) {
    this.b = rb.syntax;
    this.f = this.b.forward!;
    this.rf = rb.forward!;
    this.blockParams = new Set(this.b.params.map((p) => p.name));
  }

  emit(isRoot: boolean): string[] {
    if (isRoot) this.enterContext();
    this.defaultInputs();
    this.freeDims();
    this.rf.body.forEach((s) => this.stmt(s));
    if (this.usesCfg) this.lines.unshift("        cfg = self.config");
    this.lines.unshift(`        # ${pyComment(signatureComment(this.f))}`);
    return this.lines;
  }

  private push(s: string): void {
    this.lines.push("    ".repeat(this.indent) + s);
  }

  /** Statements one level deeper; an empty block is `pass`. */
  private nested(body: readonly ResolvedStmt[]): void {
    this.indent++;
    body.forEach((s) => this.stmt(s));
    if (body.length === 0) this.push("pass");
    this.indent--;
  }

  // ---- prologue

  private required(): A.Formal[] {
    return this.f.params.filter((p) => !p.default);
  }

  /** A root's own call makes the context, sized by the input a generation extends. */
  private enterContext(): void {
    const stream = tokenStreams(this.b).stream ?? this.required()[0]?.name;
    this.push(`ctx = Context.enter(ctx, ${stream ? pyName(stream) : "None"}, attention_mask)`);
  }

  private defaultInputs(): void {
    for (const { formal: p, default: d } of this.rf.params) {
      if (!d) continue;
      this.push(`if ${pyName(p.name)} is None:`);
      this.indent++;
      this.push(`${pyName(p.name)} = ${this.expr(d)}`);
      this.indent--;
    }
  }

  /** Free dims of the inputs (`B`, `T` in `x: [B, T, d]`) used as values are read off the inputs. */
  private freeDims(): void {
    const used = namesIn(this.f.body);
    const bound = new Set<string>();
    for (const p of this.required()) {
      p.type.dims.forEach((d, j) => {
        if (d.kind !== "name" || bound.has(d.name) || !used.has(d.name) || this.blockParams.has(d.name) || this.isConfig(d.name)) return;
        bound.add(d.name);
        this.push(`${pyName(d.name)} = ${pyName(p.name)}.shape[${j}]`);
      });
    }
  }

  // ---- names

  private isConfig(n: string): boolean {
    return this.arch.params.has(n) || this.arch.lets.has(n);
  }

  private configName(n: string): string {
    this.usesCfg = true;
    return `cfg.${pyAttr(n)}`;
  }

  private readonly freeName = (n: string): string => {
    if (this.blockParams.has(n)) return `self.${pyAttr(n)}`;
    if (this.isConfig(n)) return this.configName(n);
    return pyName(n);
  };

  private name(e: Extract<ResolvedExpr, { kind: "name" }>): string {
    switch (e.binding?.kind) {
      case "local":
      case "loopVar":
        return pyName(e.name);
      case "submodule":
      case "blockParam":
        return `self.${pyAttr(e.name)}`;
      case "config":
        return this.configName(e.name);
      default:
        return this.freeName(e.name);
    }
  }

  // ---- expressions

  private expr(e: ResolvedExpr): string {
    switch (e.kind) {
      case "name":
        return this.name(e);
      case "num":
      case "str":
      case "bool":
      case "null":
        return pyLiteralExpr(e.syntax);
      case "list":
        return `[${e.items.map((x) => this.expr(x)).join(", ")}]`;
      case "unary":
        return e.op === "!" ? `(not ${this.expr(e.operand)})` : `(-${this.expr(e.operand)})`;
      case "binary":
        return this.binary(e);
      case "if":
        return `(${this.expr(e.then)} if ${this.expr(e.cond)} else ${this.expr(e.else)})`;
      case "index":
        return `${this.expr(e.target)}[${this.expr(e.index)}]`;
      case "member":
        return `${this.expr(e.target)}.${pyAttr(e.name)}`;
      case "range":
        return `range(${this.expr(e.from)}, ${this.expr(e.to)})`;
      case "call":
        return this.call(e);
      case "comprehension":
        return pyExpr(e.syntax, this.freeName);
    }
  }

  /** Tensor arithmetic as written; config arithmetic with Python's spelling of `/`, `??`, null tests, `&&`, `||`. */
  private binary(e: Extract<ResolvedExpr, { kind: "binary" }>): string {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    if (e.left.type?.kind === "tensor" || e.right.type?.kind === "tensor") return `(${l} ${e.op} ${r})`;
    if (e.op === "/") return `fn.div(${l}, ${r})`;
    if (e.op === "??") return `fn.coalesce(${l}, ${r})`;
    if (e.op === "==" && e.right.kind === "null") return `(${l} is None)`;
    if (e.op === "!=" && e.right.kind === "null") return `(${l} is not None)`;
    return `(${l} ${pyOps[e.op] ?? e.op} ${r})`;
  }

  // ---- calls

  private moduleCall(t: ModuleT, target: string, args: string[]): string {
    const one = (v: ModuleVariant): string => {
      if (v.kind === "primitive") {
        const low = primitiveLowering(v.primitive);
        return low.apply ? low.apply(target, args[0] ?? "None") : `${target}(${args.join(", ")})`;
      }
      return `${target}(${[...args, "ctx=ctx"].join(", ")})`;
    };
    const distinct = dedupeVariants(t.variants);
    if (distinct.length === 1 || distinct.every((v) => v.kind === "block")) return one(distinct[0]!);
    if (distinct.every((v) => v.kind === "primitive" && !primitiveLowering(v.primitive).apply)) return `${target}(${args.join(", ")})`;
    // Chosen per instance when the model is built: a block takes the context, a primitive not.
    return `fn.apply(${target}, ${args.join(", ")}, ctx=ctx)`;
  }

  private call(e: CallExpr): string {
    const target = e.target;
    if (target?.kind === "module") return this.moduleCall(target.module, this.expr(e.callee), e.args.map((a) => this.expr(a.value)));
    if (target?.kind === "builtin") return pyExpr(e.syntax, this.freeName);
    if (target?.kind !== "op") throw new Error(`torch export: the call at ${e.span.line}:${e.span.col} is neither a module nor an op`);
    return this.opCall(e, target);
  }

  private opCall(e: CallExpr, target: OpTarget): string {
    const { def: op, site } = target;
    const low = opLowering(op.name, e.span);
    const positional = op.params.map(paramName);
    // The arguments the call wrote, by parameter name; a left-out one takes the helper's own default.
    const byName: Record<string, string | undefined> = {};
    const kw: [string, string][] = [];
    for (const [k, a] of target.args) {
      if (a.kind !== "written") continue;
      const v = this.argValue(a.expr);
      byName[k] = v;
      if (a.keyword && !positional.includes(k)) kw.push([k, v]);
    }
    const rest = target.rest.map((x) => this.argValue(x));
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
    return `ops.${op.name}(${args.join(", ")})`;
  }

  // A module list passed to an op (moe experts) becomes a function of (index, rows); so does
  // a fused-experts block, whose forward takes (rows, index).
  private argValue(e: ResolvedExpr): string {
    const t = e.type;
    if (t && fusedExperts(t)) return `lambda i, rows: ${this.moduleCall(t, this.expr(e), ["rows", "i"])}`;
    if (t?.kind === "modlist") {
      const item = t.item;
      // A list of bare parameters (nn.ParameterList) is passed as its tensors.
      if (item.variants.length > 0 && item.variants.every((v) => v.kind === "primitive" && v.primitive.apply.kind === "value")) return `list(${this.expr(e)})`;
      return `lambda i, rows: ${this.moduleCall(item, `${this.expr(e)}[i]`, ["rows"])}`;
    }
    return this.expr(e);
  }

  // ---- statements

  private shapeComment(s: Extract<ResolvedStmt, { kind: "let" | "assign" }>): void {
    const parts = s.bound.filter((x) => x.type.kind === "tensor").map((x) => `${x.name}: ${typeText(x.type)}`);
    if (parts.length) this.push(`# ${pyComment(parts.join(", "))}`);
  }

  private stmt(s: ResolvedStmt): void {
    switch (s.kind) {
      case "let":
      case "assign":
        this.shapeComment(s);
        this.push(`${s.names.map(pyName).join(", ")} = ${this.expr(s.value)}`);
        break;
      case "return":
        this.push(`return ${s.values.map((v) => this.expr(v)).join(", ")}`);
        break;
      case "emit":
        this.push(`ctx.emit(${pyStr(s.name)}, ${s.index ? this.expr(s.index) : "None"}, ${this.expr(s.value)})`);
        break;
      case "for":
        this.push(`for ${pyName(s.variable)} in ${this.expr(s.iter)}:`);
        this.nested(s.body);
        break;
      case "if":
        this.push(`if ${this.expr(s.cond)}:`);
        this.nested(s.then);
        if (s.else) {
          this.push("else:");
          this.nested(s.else);
        }
        break;
    }
  }
}
