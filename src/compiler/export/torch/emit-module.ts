// One torch.nn.Module class per block of an architecture: class names as PyTorch prints
// them (the `class` strings), submodules under their .arch names (so that a Hugging Face
// state dict loads by name), one forward per block from its forward body.
import type * as A from "../../ast/nodes.js";
import type { ArchIR, BlockIR, Value } from "../../ir/model.js";
import type { Primitive } from "../../ir/primitives.js";
import type { ModuleCallee } from "../../check/types.js";
import type { Instance } from "../../elaborate/instance.js";
import { walkInstances } from "../../elaborate/instance.js";
import { exprText } from "../../ast/expr-text.js";
import { tokenStreams } from "../../codegen/token-stream.js";
import type { ResolvedArch } from "../../resolved/nodes.js";
import { emitForward } from "./emit-forward.js";
import { pyExpr } from "./python-expr.js";
import { isPyIdentifier, pyAttr, pyComment, pyName, pyStr } from "./python-names.js";
import { pyLiteral } from "./python-value.js";
import { primitiveLowering } from "./lowering-lookup.js";

export interface ModuleEmitContext {
  arch: ArchIR;
  resolved: ResolvedArch;
  /** Elaborated trees of the exported configuration (every root), for printed class names. */
  trees: Instance[];
  roots: string[];
}

/** The Python classes a model needs, named as PyTorch prints them. */
class ClassNames {
  readonly block = new Map<string, string>();
  /** Printed names that are not the Python class name: the class overrides _get_name. */
  readonly printed = new Map<string, string>();
  /** Blocks whose instances print different class names (the name interpolates a block argument). */
  readonly varying = new Set<string>();
  /** Renamed primitives or blocks (`as "SiLUActivation"`): subclass name → base class. */
  readonly renames = new Map<string, { base: string; doc: string }>();
  private readonly taken = new Set(["Config", "Context", "Tensor", "PRESETS", "ROOTS"]);

  constructor(private readonly cx: ModuleEmitContext) {
    const seen = new Map<string, Set<string>>();
    for (const tree of cx.trees) {
      for (const inst of walkInstances(tree)) {
        if (inst.block && inst.kind !== "list") {
          const s = seen.get(inst.block.name) ?? new Set();
          s.add(inst.className);
          seen.set(inst.block.name, s);
        }
      }
    }
    for (const b of cx.arch.blocks.values()) {
      const names = seen.get(b.name);
      const printed = names && names.size === 1 ? [...names][0]! : undefined;
      if (printed && isPyIdentifier(printed) && !this.taken.has(printed)) {
        this.block.set(b.name, printed);
        this.taken.add(printed);
      } else {
        const py = this.fresh(b.name);
        this.block.set(b.name, py);
        if (printed && printed !== py) this.printed.set(b.name, printed);
        if (names && names.size > 1) {
          this.varying.add(b.name);
          this.printed.set(b.name, [...names][0]!);
        }
      }
    }
  }

  fresh(base: string): string {
    let n = isPyIdentifier(base) ? base : base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1");
    while (this.taken.has(n)) n = `${n}_`;
    this.taken.add(n);
    return n;
  }

  /** A subclass of `base` printing as `printed` (a submodule declared `… as "printed"`). */
  renamed(base: string, printed: string): string {
    for (const [name, r] of this.renames) if (r.base === base && name === printed) return name;
    const name = isPyIdentifier(printed) && !this.taken.has(printed) ? printed : this.fresh(`${printed}_`);
    if (name === printed) this.taken.add(name);
    this.renames.set(name, { base, doc: printed });
    return name;
  }
}

export function emitModules(cx: ModuleEmitContext): { lines: string[]; classOf: (block: string) => string } {
  const { arch } = cx;
  const names = new ClassNames(cx);
  const body: string[] = [];
  const emitted = new Set<string>();
  const order: BlockIR[] = [];
  // A block aliasing another is its subclass: the base comes first.
  const visit = (b: BlockIR): void => {
    if (emitted.has(b.name)) return;
    emitted.add(b.name);
    const target = aliasCallee(cx, b);
    if (target?.kind === "block") visit(target.block);
    order.push(b);
  };
  for (const b of arch.blocks.values()) visit(b);
  for (const b of order) body.push(...emitBlock(cx, names, b), "", "");
  const renames: string[] = [];
  for (const [name, r] of names.renames) {
    renames.push(`class ${name}(${r.base}):`, `    """${pyComment(r.base)}, printed as ${pyComment(r.doc)}."""`, "", "");
  }
  return { lines: [...renames, ...body], classOf: (b) => names.block.get(b) ?? b };
}

/** What a block's alias builds (`block Norm = RMSNorm(…)`), as the checker bound it. */
function aliasCallee(cx: ModuleEmitContext, b: BlockIR): ModuleCallee | undefined {
  return b.alias ? cx.resolved.moduleCallees.get(b.alias) : undefined;
}

/** What a submodule declaration's `Name` / `Name(args)` builds, as the checker bound it. */
function calleeOf(cx: ModuleEmitContext, e: A.Expr): ModuleCallee {
  const built = cx.resolved.moduleCallees.get(e);
  if (!built) throw new Error(`torch export: no module bound to \`${exprText(e)}\` (the checker accepts only known blocks and primitives)`);
  return built;
}

/** Binds call arguments to parameter names, filling declared defaults. */
function bind(params: { name: string; default?: Value }[], args: A.Arg[], value: (e: A.Expr) => string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  for (const a of args) {
    if (a.keyword) out[a.keyword] = value(a.value);
    else {
      const p = params[pos++];
      if (p) out[p.name] = value(a.value);
    }
  }
  for (const p of params) if (!(p.name in out) && p.default !== undefined) out[p.name] = pyLiteral(p.default);
  return out;
}

function emitBlock(cx: ModuleEmitContext, names: ClassNames, b: BlockIR): string[] {
  const { arch } = cx;
  const py = names.block.get(b.name)!;
  const L: string[] = [];
  const params = b.params.map((p) => pyName(p.name));
  const blockParams = new Set(b.params.map((p) => p.name));
  // In __init__: config values through cfg, block parameters as the arguments.
  const initName = (n: string): string => (blockParams.has(n) ? pyName(n) : arch.params.has(n) || arch.lets.has(n) ? `cfg.${pyAttr(n)}` : pyName(n));
  const value = (e: A.Expr, nm: (n: string) => string = initName) => pyExpr(e, nm);
  const where = `${pyComment(b.nameSpan.file)}:${b.nameSpan.line}`;
  // A parameter with a default may be left out (a root is built with its parameters' defaults).
  const initSig = `def __init__(self, cfg: Config${b.params.map((p) => `, ${pyName(p.name)}${p.default ? "=None" : ""}`).join("")}):`;
  const initDefaults = b.params
    .filter((p) => p.default)
    .flatMap((p) => [`        if ${pyName(p.name)} is None:`, `            ${pyName(p.name)} = ${value(p.default!, (n) => (arch.params.has(n) || arch.lets.has(n) ? `cfg.${pyAttr(n)}` : pyName(n)))}`]);
  const printedOverride = names.printed.get(b.name);
  // The printed class name differs between instances: computed from the block's arguments.
  const varies = names.varying.has(b.name);
  const selfName = (n: string): string => (blockParams.has(n) ? `self.${pyAttr(n)}` : `self.config.${pyAttr(n)}`);

  const target = aliasCallee(cx, b);
  if (target !== undefined) {
    const call = b.alias!.kind === "call" ? b.alias! : undefined;
    const p = target.kind === "primitive" ? target.primitive : undefined;
    const tb = target.kind === "block" ? target.block : undefined;
    const base = p ? primitiveLowering(p, b.alias!.span) : undefined;
    // An alias that renames nothing is its primitive, configured: a function building it.
    if (p && base && !b.className && !b.repr) {
      const a = bind(p.params, call?.args ?? [], value);
      L.push(`def ${py}(cfg: Config${params.map((x) => `, ${x}`).join("")}):`);
      L.push(`    """${b.name} (${where}): ${pyComment(exprText(b.alias!))}"""`);
      L.push(`    return ${primitiveConstruct(p, a)}`);
      return L;
    }
    const baseClass = p ? base!.cls : names.block.get(tb!.name)!;
    L.push(`class ${py}(${baseClass}):`);
    L.push(`    """${b.name} (${where}): ${pyComment(exprText(b.alias!))}"""`);
    L.push("");
    L.push(`    ${initSig}`);
    L.push(...initDefaults);
    if (p) {
      const a = bind(p.params, call?.args ?? [], value);
      L.push(`        super().__init__(${primitiveLowering(p).args(a)})`);
    } else if (tb) {
      const a = bind(tb.params.map((x) => ({ name: x.name })), call?.args ?? [], value);
      tb.params.forEach((x) => {
        if (!(x.name in a) && x.default) a[x.name] = value(x.default, (n) => (arch.params.has(n) || arch.lets.has(n) ? `cfg.${pyAttr(n)}` : pyName(n)));
      });
      L.push(`        super().__init__(cfg${tb.params.map((x) => `, ${a[x.name] ?? "None"}`).join("")})`);
    }
    if (b.repr && /\{[A-Za-z_]/.test(b.repr.value.replace(/\{\{/g, ""))) {
      // What PyTorch prints inside the parentheses, from this instance's arguments.
      L.push(`        self.printed_repr = ${templateExpr(b.repr.value, initName)}`);
      L.push("", "    def extra_repr(self):", "        return self.printed_repr");
    } else if (b.className || b.repr) L.push("", "    def extra_repr(self):", `        return ${templateExpr(b.repr?.value ?? "", initName)}`);
    if (printedOverride) L.push("", "    def _get_name(self):", `        return ${pyStr(printedOverride)}`);
    return L;
  }

  L.push(`class ${py}(nn.Module):`);
  L.push(`    """${b.name} (${where})"""`);
  L.push("");
  if (cx.roots.includes(b.name)) {
    const streams = tokenStreams(b);
    const inputs = (b.forward?.params ?? []).map((p) => p.name);
    L.push(`    # Inputs by name; a generation extends \`stream_input\` and reads \`context_inputs\` once.`);
    L.push(`    inputs = [${inputs.map(pyStr).join(", ")}]`);
    L.push(`    stream_input = ${pyStr(streams.stream ?? inputs[0] ?? "input_ids")}`);
    L.push(`    context_inputs = [${streams.context.map(pyStr).join(", ")}]`);
    L.push("");
  }
  L.push(`    ${initSig}`);
  L.push("        super().__init__()");
  L.push(...initDefaults);
  L.push("        self.config = cfg");
  for (const p of b.params) L.push(`        self.${pyAttr(p.name)} = ${pyName(p.name)}`);
  for (const sm of b.submodules) {
    const attr = pyAttr(sm.name);
    const printed = printedClassOf(cx, b, sm.name);
    const build = moduleExpr(cx, names, sm.module, value, printed, sm.className !== undefined);
    const cond = sm.cond ? value(sm.cond) : undefined;
    if (build.buffer) L.push(`        self.register_buffer(${pyStr(sm.name)}, ${cond ? `${build.text} if ${cond} else None` : build.text})`);
    else L.push(`        self.${attr} = ${cond ? `${build.text} if ${cond} else None` : build.text}`);
  }
  if (b.ties.length) {
    L.push("        # Parameters shared with another (a checkpoint stores them once, under the source's name).");
    L.push("        self.tied_weights = {}");
    for (const t of b.ties) {
      const indent = t.cond ? "            " : "        ";
      if (t.cond) L.push(`        if ${value(t.cond)}:`);
      L.push(`${indent}self.${attrPath(t.target)} = self.${attrPath(t.source)}`);
      L.push(`${indent}self.tied_weights[${pyStr(t.target.join("."))}] = ${pyStr(t.source.join("."))}`);
    }
  }
  if (b.repr) L.push("", "    def extra_repr(self):", `        return ${templateExpr(b.repr.value, selfName)}`);
  if (printedOverride) L.push("", "    def _get_name(self):", `        return ${b.className && varies ? templateExpr(b.className.value, selfName) : pyStr(printedOverride)}`);
  if (b.forward) {
    const f = emitForward({ arch }, cx.resolved.blocks.get(b.name)!, cx.roots.includes(b.name));
    L.push("", `    ${f.signature}:`, ...f.body);
  }
  return L;
}

/** A `class`/`repr` string with `{name}` holes as a Python expression (holes formatted as archc prints them). */
function templateExpr(template: string, name: (n: string) => string): string {
  const parts: string[] = [];
  let lit = "";
  template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[^{}]+|[{}]/g, (m, hole: string | undefined) => {
    if (hole === undefined) lit += m === "{{" ? "{" : m === "}}" ? "}" : m;
    else {
      if (lit) parts.push(pyStr(lit));
      lit = "";
      parts.push(`fn.pyvalue(${name(hole)})`);
    }
    return m;
  });
  if (lit || parts.length === 0) parts.push(pyStr(lit));
  return parts.join(" + ");
}

const attrPath = (segments: string[]) => segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : `${i ? "." : ""}${pyAttr(s)}`)).join("");

/** The class a submodule prints as in the exported configuration. */
function printedClassOf(cx: ModuleEmitContext, b: BlockIR, name: string): string | undefined {
  for (const tree of cx.trees) {
    for (const inst of walkInstances(tree)) {
      if (inst.block !== b || inst.kind === "list") continue;
      const child = inst.children.find((c) => c.name === name);
      if (child) return child.className;
    }
  }
  return undefined;
}

function primitiveConstruct(p: Primitive, a: Record<string, string>, cls?: string): string {
  const low = primitiveLowering(p);
  if (low.tensor === "parameter") return `nn.Parameter(fn.param_init(${a.shape}))`;
  if (low.tensor === "buffer") return `torch.zeros(${a.shape})`;
  return `${cls ?? low.cls}(${low.args(a)})`;
}

function moduleExpr(
  cx: ModuleEmitContext,
  names: ClassNames,
  e: A.Expr,
  value: (e: A.Expr, nm?: (n: string) => string) => string,
  printed: string | undefined,
  renamed: boolean,
  scopeName?: (n: string) => string,
): { text: string; buffer?: boolean } {
  const { arch } = cx;
  const val = (x: A.Expr) => (scopeName ? value(x, scopeName) : value(x));
  const isTensorPrimitive = (x: A.Expr): boolean => {
    const built = x.kind === "call" || x.kind === "name" ? cx.resolved.moduleCallees.get(x) : undefined;
    return built?.kind === "primitive" && built.primitive.apply.kind === "value";
  };
  switch (e.kind) {
    case "if":
      return {
        text: `(${moduleExpr(cx, names, e.then, value, printed, renamed, scopeName).text} if ${val(e.cond)} else ${moduleExpr(cx, names, e.else, value, printed, renamed, scopeName).text})`,
      };
    case "list": {
      const list = e.items.every(isTensorPrimitive) && e.items.length ? "nn.ParameterList" : renamed && printed === "Sequential" ? "nn.Sequential" : "nn.ModuleList";
      const items = e.items.map((it) => moduleExpr(cx, names, it, value, undefined, false, scopeName).text).join(", ");
      return { text: list === "nn.Sequential" ? `${list}(${items})` : `${list}([${items}])` };
    }
    case "comprehension": {
      const v = pyName(e.variable);
      const inner = (n: string) => (n === e.variable ? v : scopeName ? scopeName(n) : undefined);
      const item = moduleExpr(cx, names, e.item, value, undefined, false, (n) => inner(n) ?? defaultName(cx, n));
      const list = isTensorPrimitive(e.item) ? "nn.ParameterList" : "nn.ModuleList";
      return { text: `${list}([${item.text} for ${v} in ${val(e.iter)}])` };
    }
    case "name":
    case "call": {
      const args = e.kind === "call" ? e.args : [];
      const built = calleeOf(cx, e);
      if (built.kind === "primitive") {
        const p = built.primitive;
        const low = primitiveLowering(p, e.span);
        const a = bind(p.params, args, val);
        const cls = renamed && printed && !low.tensor ? names.renamed(low.cls, printed) : undefined;
        return { text: primitiveConstruct(p, a, cls), buffer: low.tensor === "buffer" };
      }
      const b = built.block;
      const a = bind(b.params.map((x) => ({ name: x.name })), args, val);
      b.params.forEach((x) => {
        if (!(x.name in a) && x.default) a[x.name] = value(x.default, (n) => defaultName(cx, n));
      });
      const base = names.block.get(b.name)!;
      const cls = renamed && printed ? names.renamed(base, printed) : base;
      return { text: `${cls}(cfg${b.params.map((x) => `, ${a[x.name] ?? "None"}`).join("")})` };
    }
    default:
      return { text: "None" };
  }
}

const defaultName = (cx: ModuleEmitContext, n: string) => (cx.arch.params.has(n) || cx.arch.lets.has(n) ? `cfg.${pyAttr(n)}` : pyName(n));
