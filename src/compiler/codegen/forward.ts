// Forward bodies → TypeScript statements. Every decision (is this name a local, a
// submodule, a config value; is this call an op or a module) was made by the checker and
// is read from the resolved IR; this file only spells it out.
import { namesIn } from "../ast/walk.js";
import type * as A from "../ast/nodes.js";
import type { ArchIR, BlockIR } from "../ir/model.js";
import { fusedExperts } from "../ops/moe.js";
import { paramName } from "../ops/op-def.js";
import type { CallExpr, NameExpr, BinaryExpr, OpTarget, ResolvedBlock, ResolvedExpr, ResolvedForward, ResolvedStmt } from "../resolved/nodes.js";
import { typeText, type ModuleT, type ModuleVariant, type Type } from "../check/types.js";
import { configExpr, type NameKind } from "./config-expr.js";
import { commentText, localName, propKey, str, typeName } from "./names.js";
import { exprText } from "../ast/expr-text.js";
import { callsIn } from "../resolved/walk.js";

export interface ForwardEmitter {
  arch: ArchIR;
  /** The module's `$source` table: `file:line:col` of each statement, indexed by `$at`. */
  sources: string[];
}

/** Where a statement is, as a runtime error names it. */
export function sourceLocation(span: A.Span): string {
  return `${span.file}:${span.line}:${span.col}`;
}

export function forwardFunctionName(block: string): string {
  return `forward${typeName(block)}`;
}

/** How a module value is applied to tensor arguments. */
export function callVariants(t: ModuleT, target: string, args: string[]): string {
  const one = (v: ModuleVariant, m: string): string =>
    v.kind === "primitive" ? `rt.lang.apply(${m}, ${args[0] ?? "undefined"}, ctx)` : `${forwardFunctionName(v.block.name)}(${[m, "cfg", "ctx", ...args].join(", ")})`;
  const distinct = dedupeVariants(t.variants);
  if (distinct.length === 1) return one(distinct[0]!, target);
  // Chosen per instance at build time: dispatch on the instance's block tag.
  let expr = "";
  for (let i = distinct.length - 1; i >= 0; i--) {
    const v = distinct[i]!;
    const cast = v.kind === "primitive" ? `${target} as rt.nn.${v.primitive.name}M` : `${target} as ${typeName(v.block.name)}`;
    const call = one(v, `(${cast})`);
    if (!expr) expr = call;
    else {
      const test = v.kind === "primitive" ? `(${target} as { kind?: string }).kind === ${str(v.primitive.name)}` : `(${target} as { $block?: string }).$block === ${str(v.block.name)}`;
      expr = `(${test} ? ${call} : ${expr})`;
    }
  }
  return expr;
}

export function dedupeVariants(vs: ModuleVariant[]): ModuleVariant[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const k = v.kind === "primitive" ? `p:${v.block?.name ?? v.primitive.name}` : `b:${v.block.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function emitForward(em: ForwardEmitter, b: ResolvedBlock): string[] {
  return new ForwardWriter(em, b).emit();
}

/**
 * Writes one block's forward body. The state shared by its methods: the lines written so far
 * and their indentation, and the locals declared in the current TypeScript scope.
 */
class ForwardWriter {
  private readonly arch: ArchIR;
  private readonly f: ResolvedForward;
  private readonly blockParams: Set<string>;
  /** A submodule declared with `if cond` is typed `T | undefined`: its uses go through `present` (name → condition text). */
  private readonly conditional: Map<string, string>;
  /** Inside loops holding a stateful op: the expressions naming the current iteration, outermost first. */
  private readonly iterationKeys: string[] = [];
  private readonly lines: string[] = [];
  private indent = 1;
  /** Locals declared in the current scope (a `let` inside a branch is block-scoped in TypeScript). */
  private readonly declared: Set<string>;

  constructor(
    private readonly em: ForwardEmitter,
    rb: ResolvedBlock,
  ) {
    const b: BlockIR = rb.syntax;
    this.f = rb.forward!;
    this.arch = em.arch;
    this.blockParams = new Set(b.params.map((p) => p.name));
    this.conditional = new Map(b.submodules.filter((s) => s.cond).map((s) => [s.name, exprText(s.cond!)]));
    this.declared = new Set(this.f.params.map((p) => p.formal.name));
  }

  emit(): string[] {
    this.inputDefaults();
    this.inputDims();
    const header = this.lines.splice(0);
    this.indent++;
    this.f.body.forEach((s) => this.stmt(s));
    const body = this.lines.splice(0);
    // The activations this call makes live in the kernels' heap until it returns: $scope
    // frees those its result does not use (see runtime/kernels/activation-scope.ts).
    return [
      ...header,
      "  const $scope = new rt.ActivationScope(ctx);",
      "  let $at = -1;",
      "  try {",
      ...body,
      "  } catch (e) {",
      "    throw rt.lang.located(e, $source[$at]);",
      "  } finally {",
      "    $scope.close();",
      "  }",
    ];
  }

  private push(s: string): void {
    this.lines.push("  ".repeat(this.indent) + s);
  }

  private readonly nameKind = (n: string): NameKind | undefined => {
    if (this.blockParams.has(n)) return "blockParam";
    if (this.arch.params.has(n) || this.arch.lets.has(n)) return "config";
    return "local";
  };

  // ---- the header: defaults of optional inputs, free dims of the inputs

  private inputDefaults(): void {
    for (const { formal: p, default: d } of this.f.params) if (d) this.push(`if (${localName(p.name)} === undefined) ${localName(p.name)} = ${this.expr(d)};`);
  }

  /**
   * Free dims of the inputs (`B`, `T` in `x: [B, T, d]`) used as values (reshape sizes) are
   * read off the first required input that has them.
   */
  private inputDims(): void {
    const used = namesIn(this.f.syntax.body);
    const bound = new Set<string>();
    for (const { formal: p } of this.f.params) {
      if (p.default) continue;
      p.type.dims.forEach((d, j) => {
        if (d.kind !== "name" || bound.has(d.name) || !used.has(d.name) || this.nameKind(d.name) !== "local" || this.declared.has(d.name)) return;
        bound.add(d.name);
        this.push(`const ${localName(d.name)} = ${localName(p.name)}.shape[${j}]!;`);
      });
    }
  }

  // ---- expressions

  private expr(e: ResolvedExpr): string {
    const type = e.type;
    switch (e.kind) {
      case "name":
        return this.name(e);
      case "num":
      case "str":
      case "bool":
      case "null":
        return configExpr(e.syntax, this.nameKind);
      case "list":
        return `[${e.items.map((x) => this.expr(x)).join(", ")}]`;
      case "unary":
        if (type?.kind === "tensor") return `rt.lang.negate(${this.expr(e.operand)})`;
        return `${e.op}(${this.expr(e.operand)})`;
      case "binary":
        return this.binary(e);
      case "if":
        return `(${this.expr(e.cond)} ? ${this.expr(e.then)} : ${this.expr(e.else)})`;
      case "index": {
        const tt = e.target.type;
        if (tt?.kind === "modlist") return `${this.expr(e.target)}[${this.expr(e.index)}]!`;
        return `${this.expr(e.target)}[${this.expr(e.index)}]!`;
      }
      case "member":
        // A path through child blocks may cross an optional submodule (declared with `if`).
        return `${this.expr(e.target)}${e.target.kind === "member" ? "!" : ""}.${e.name}`;
      case "range":
        return `rt.cfg.range(${this.expr(e.from)}, ${this.expr(e.to)})`;
      case "call":
        return this.call(e);
      case "comprehension":
        return "undefined";
    }
  }

  private name(e: NameExpr): string {
    const res = e.binding;
    if (!res) return configExpr(e.syntax, this.nameKind);
    switch (res.kind) {
      case "local":
      case "loopVar":
        return localName(e.name);
      case "submodule":
        // The checker proves presence on the declared configurations; any other one (a
        // checkpoint's config.json) gets a located error rather than a crash.
        return this.conditional.has(e.name) ? `rt.lang.present(self.${e.name}, ${str(e.name)}, ${str(this.conditional.get(e.name)!)})` : `self.${e.name}`;
      case "blockParam":
        return `self.${e.name}`;
      case "config":
        return `cfg.${e.name}`;
      default:
        return localName(e.name);
    }
  }

  private binary(e: BinaryExpr): string {
    const type = e.type;
    const lt = e.left.type;
    const rt_ = e.right.type;
    if (lt?.kind === "tensor" || rt_?.kind === "tensor") {
      const fn = { "+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul" }[e.op as "+"] + (type?.kind === "tensor" && type.ids ? "_ids" : "");
      return `rt.lang.${fn}(${this.expr(e.left)}, ${this.expr(e.right)})`;
    }
    // A config-level operation: written as the config expression it is.
    return configExpr(e.syntax, this.nameKind);
  }

  private call(e: CallExpr): string {
    const target = e.target;
    if (target?.kind === "module") {
      return callVariants(target.module, this.expr(e.callee), e.args.map((a) => this.expr(a.value)));
    }
    if (target?.kind === "builtin") return configExpr(e.syntax, this.nameKind);
    if (target?.kind !== "op") throw new Error(`codegen: the call at ${e.span.line}:${e.span.col} is neither a module nor an op`);
    return this.opCall(target);
  }

  private opCall({ def: op, site, args: bound, rest }: OpTarget): string {
    // The runtime takes positional parameters in order (the first left-out ones as undefined),
    // extra positional tensors, then keywords in one object, in the order the call wrote them.
    // Defaults are the runtime's own: only what the call wrote is passed.
    const positional = op.params.map(paramName);
    const named = new Map<string, ResolvedExpr>();
    for (const [k, a] of bound) if (a.kind === "written") named.set(k, a.expr);
    const pos = positional.map((p) => named.get(p));
    while (pos.length && pos[pos.length - 1] === undefined) pos.pop();
    const kw = [...named].filter(([k]) => !positional.includes(k)).map(([k, v]) => `${propKey(k)}: ${this.argValue(v)}`);
    const args = ["ctx"];
    // A stateful op keeps its state per call site and, inside loops, per iteration.
    if (op.stateful) args.push(`\`\${self.$path}#${site}${this.iterationKeys.map((k) => `.\${${k}}`).join("")}\``);
    args.push(...pos.map((p) => (p === undefined ? "undefined" : op.lazy ? `() => ${this.argValue(p)}` : this.argValue(p))), ...rest.map((r) => this.argValue(r)));
    if (op.keywords) args.push(`{ ${kw.join(", ")} }`);
    return `rt.lang.${op.runtime}(${args.join(", ")})`;
  }

  /** A module list passed to an op (moe experts) becomes a callback on one item. */
  private argValue(e: ResolvedExpr): string {
    const t = e.type;
    if (t?.kind === "modlist") {
      const item = t.item;
      // A list of bare parameters (nn.ParameterList) is passed as its tensors.
      if (item.variants.length > 0 && item.variants.every((v) => v.kind === "primitive" && v.primitive.apply.kind === "value")) return `${this.expr(e)} as readonly rt.Tensor[]`;
      return `(i$: number, rows$: rt.Tensor) => ${callVariants(item, `${this.expr(e)}[i$]!`, ["rows$"])}`;
    }
    // One block holding every expert's weights: told which expert to compute.
    if (t && fusedExperts(t)) return `(i: number, rows: rt.Tensor) => ${callVariants(t, this.expr(e), ["rows", "i"])}`;
    return this.expr(e);
  }

  // ---- statements

  private stmt(s: ResolvedStmt): void {
    // A runtime error inside this statement names its place in the .arch file.
    this.em.sources.push(sourceLocation(s.span));
    this.push(`$at = ${this.em.sources.length - 1};`);
    switch (s.kind) {
      case "let":
      case "assign":
        this.assign(s);
        break;
      case "return":
        this.push(`return $scope.keep(${s.values.length === 1 ? this.expr(s.values[0]!) : `[${s.values.map((v) => this.expr(v)).join(", ")}]`});`);
        break;
      case "emit":
        this.push(`rt.lang.emit(ctx, ${str(s.name)}, ${s.index ? this.expr(s.index) : "undefined"}, ${this.expr(s.value)}, self.$path);`);
        break;
      case "for":
        this.forLoop(s);
        break;
      case "if":
        this.ifElse(s);
        break;
    }
  }

  private assign(s: Extract<ResolvedStmt, { kind: "let" | "assign" }>): void {
    this.shapeComment(s.names, s);
    const target = s.names.length === 1 ? localName(s.names[0]!) : `[${s.names.map(localName).join(", ")}]`;
    const fresh = s.kind === "let" && !s.names.some((n) => this.declared.has(n));
    s.names.forEach((n) => this.declared.add(n));
    this.push(`${fresh ? "let " : ""}${target} = ${this.expr(s.value)};`);
  }

  private shapeComment(names: string[], s: Extract<ResolvedStmt, { kind: "let" | "assign" }>): void {
    const bound = s.bound;
    const parts = bound.filter((x) => x.type.kind === "tensor").map((x) => `${x.name}: ${typeText(x.type)}`);
    if (parts.length && names.length) this.push(`// ${commentText(parts.join(", "))}`);
  }

  private forLoop(s: Extract<ResolvedStmt, { kind: "for" }>): void {
    const it = s.iter.type;
    const v = localName(s.variable);
    // Each iteration of a loop holding a stateful op (token_shift, a KV cache) keeps its own
    // state: the iteration's range value, module path or list position joins the site key.
    const keyed = this.holdsStatefulOp(s.body);
    if (s.iter.kind === "range") {
      this.push(`for (let ${v} = ${this.expr(s.iter.from)}; ${v} < ${this.expr(s.iter.to)}; ${v}++) {`);
      if (keyed) this.iterationKeys.push(v);
    } else if (it?.kind === "modlist") {
      this.push(`for (const ${v} of ${this.expr(s.iter)}) {`);
      if (keyed) this.iterationKeys.push(`${v}.$path`);
    } else if (keyed) {
      this.push(`for (const [${v}$i, ${v}] of (${this.expr(s.iter)} as number[]).entries()) {`);
      this.iterationKeys.push(`${v}$i`);
    } else this.push(`for (const ${v} of ${this.expr(s.iter)} as number[]) {`);
    this.indent++;
    const outer = [...this.declared].map(localName);
    s.body.forEach((x) => this.stmt(x));
    // What earlier iterations made and no variable of the function holds any more (the
    // previous layer's output) is freed now, not when the function returns.
    this.push(`$scope.sweep([${outer.join(", ")}]);`);
    this.indent--;
    if (keyed) this.iterationKeys.pop();
    this.push("}");
  }

  private holdsStatefulOp(body: ResolvedStmt[]): boolean {
    return callsIn(body).some((c) => c.target?.kind === "op" && c.target.def.stateful);
  }

  private ifElse(s: Extract<ResolvedStmt, { kind: "if" }>): void {
    this.push(`if (${this.expr(s.cond)}) {`);
    this.indent++;
    this.scoped(s.then);
    this.indent--;
    if (s.else) {
      this.push("} else {");
      this.indent++;
      this.scoped(s.else);
      this.indent--;
    }
    this.push("}");
  }

  /** A `let` inside a branch is a TypeScript block-scoped variable: the other branch must declare it again. */
  private scoped(body: ResolvedStmt[]): void {
    const outer = new Set(this.declared);
    body.forEach((x) => this.stmt(x));
    this.declared.clear();
    outer.forEach((n) => this.declared.add(n));
  }
}


export function resultTsType(t: Type | undefined): string {
  if (!t || t.kind !== "tensor") return "rt.Tensor";
  return t.ids ? "rt.IntTensor" : "rt.Tensor";
}
