// Elaboration: the module tree of one concrete configuration, as PyTorch would build it —
// every submodule with its path, printed class, arguments and parameter shapes. print,
// stats, diff and the preset shape check all read this tree.
import type * as A from "../ast/nodes.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ArchIR, BlockIR, Value } from "../ir/model.js";
import type { Instance, WeightInstance } from "./instance-tree.js";
import { primitives, PrimitiveArgumentError, type Primitive } from "../ir/primitives.js";
import type { ModuleCallee } from "../check/types.js";
import { resolvedArch } from "../arch-analysis.js";
import { suggest } from "../diagnostics/suggest.js";
import type { ResolvedConfig } from "../eval/config.js";
import { chainScopes, describe, evaluate, EvalError, interpolate, mapScope, truthy, type Scope } from "../eval/evaluate.js";
import { evalErrorToDiagnostic } from "../eval/config.js";
import { pyValue } from "../eval/pyformat.js";

export type { Instance, WeightInstance } from "./instance-tree.js";

export interface Tie {
  target: string;
  source: string;
}

export interface ElaboratedModel {
  config: ResolvedConfig;
  root: Instance;
  ties: Tie[];
  diagnostics: Diagnostic[];
}

const joinPath = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

/**
 * More modules than any real checkpoint has (DeepSeek-V3, 257 experts in 58 of its 61
 * layers, has about 75 000): past this a configuration is a typo (`n_layers = 99999999`),
 * and building its tree would only exhaust time and memory.
 */
export const MAX_MODULES = 120_000;

class TooManyModules extends Error {}

export function rootBlockName(arch: ArchIR, preset?: string): string | undefined {
  const p = preset ? arch.presets.get(preset) : undefined;
  return p?.root ?? arch.root?.block;
}

export function elaborate(config: ResolvedConfig, rootName?: string): ElaboratedModel {
  const arch = config.arch;
  const diagnostics: Diagnostic[] = [];
  const name = rootName ?? rootBlockName(arch, config.preset);
  const empty: Instance = { name: "", path: "", className: arch.name, repr: "", kind: "list", args: {}, children: [], weights: [] };
  if (!name) {
    diagnostics.push(error("E0113", arch.span, `\`${arch.name}\` declares no root block`, { hint: "add `root <Block>` naming the block PyTorch would instantiate" }));
    return { config, root: empty, ties: [], diagnostics };
  }
  const block = arch.blocks.get(name);
  if (!block) {
    diagnostics.push(error("E0103", arch.root?.span ?? arch.span, `unknown root block \`${name}\``, { hint: suggest(name, arch.blocks.keys()) ?? "" }));
    return { config, root: empty, ties: [], diagnostics };
  }
  const tree = new TreeBuilder(config, diagnostics);
  let root: Instance;
  try {
    root = tree.root(block) ?? empty;
  } catch (e) {
    if (!(e instanceof TooManyModules)) throw e;
    diagnostics.push(error("E0203", config.preset ? arch.presets.get(config.preset)?.span ?? arch.span : arch.span, `this configuration of ${arch.name} has more than ${MAX_MODULES.toLocaleString("en-US")} modules`, { hint: "check the sizes of module lists (e.g. the number of layers or experts)" }));
    return { config, root: empty, ties: tree.ties, diagnostics };
  }
  checkTies(config, root, tree.ties, tree.tieSpans, diagnostics);
  return { config, root, ties: tree.ties, diagnostics };
}

/**
 * Builds the module tree of one configuration. Its state: the diagnostics and ties found so
 * far, and the recursion depth and module count that stop a runaway configuration.
 */
class TreeBuilder {
  readonly ties: Tie[] = [];
  /** Where each tie (by its target's path) was declared, for the diagnostics of checkTies. */
  readonly tieSpans = new Map<string, A.Span>();
  private readonly arch: ArchIR;
  /** What each `Name` / `Name(args)` of a submodule declaration or alias builds, as the checker bound it. */
  private readonly callees: ReadonlyMap<A.Expr, ModuleCallee>;
  private readonly configScope: Scope;
  private depth = 0;
  private modules = 0;
  /** Blocks being built, outermost first, with their arguments. */
  private readonly building: { block: BlockIR; key: string }[] = [];
  private readonly reportedCycles = new Set<string>();

  constructor(
    config: ResolvedConfig,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.arch = config.arch;
    this.callees = resolvedArch(config.arch).moduleCallees;
    this.configScope = mapScope(config.values);
  }

  /** The root takes its parameters' defaults, as a submodule declared without arguments would. */
  root(block: BlockIR): Instance | undefined {
    return this.guard(() => {
      const args = bindArgs(block.params.map((p) => ({ name: p.name, ...(p.default ? { defaultExpr: p.default } : {}) })), [], this.configScope, block.name, block.nameSpan);
      return this.block(block, args, "", "");
    });
  }

  /** An evaluation error becomes a diagnostic and leaves this part of the tree out. */
  private guard(f: () => Instance | undefined): Instance | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof EvalError) {
        this.diagnostics.push(evalErrorToDiagnostic(e));
        return undefined;
      }
      throw e;
    }
  }

  private counted(i: Instance): Instance {
    if (++this.modules > MAX_MODULES) throw new TooManyModules();
    return i;
  }

  /** A submodule expression: a block or primitive, a list of them, a comprehension, or a choice. */
  private instantiate(e: A.Expr, scope: Scope, nm: string, path: string): Instance | undefined {
    switch (e.kind) {
      case "if":
        return truthy(evaluate(e.cond, scope), e.cond.span) ? this.instantiate(e.then, scope, nm, path) : this.instantiate(e.else, scope, nm, path);
      case "list":
      case "comprehension":
        return this.list(e, scope, nm, path);
      case "name":
      case "call":
        return this.call(e, scope, nm, path);
      default:
        throw new EvalError("expected a block, a primitive or a list of them", e.span, "E0203");
    }
  }

  private list(e: Extract<A.Expr, { kind: "list" | "comprehension" }>, scope: Scope, nm: string, path: string): Instance {
    const list: Instance = { name: nm, path, className: "ModuleList", repr: "", kind: "list", args: {}, children: [], weights: [], span: e.span };
    const items: { expr: A.Expr; scope: Scope }[] = [];
    if (e.kind === "list") for (const it of e.items) items.push({ expr: it, scope });
    else {
      const iter = evaluate(e.iter, scope);
      if (!Array.isArray(iter)) throw new EvalError(`cannot iterate over ${describe(iter)}`, e.iter.span, "E0201");
      for (const v of iter) items.push({ expr: e.item, scope: chainScopes((n) => (n === e.variable ? v : undefined), scope) });
    }
    items.forEach((it, i) => {
      const c = this.guard(() => this.instantiate(it.expr, it.scope, String(i), joinPath(path, String(i))));
      if (c) list.children.push(c);
    });
    return list;
  }

  private call(e: A.Expr, scope: Scope, nm: string, path: string): Instance | undefined {
    const callee = e.kind === "call" ? e.callee : e;
    const rawArgs = e.kind === "call" ? e.args : [];
    if (callee.kind !== "name") {
      this.diagnostics.push(error("E0103", e.span, "expected a block or primitive name", { found: e.kind }));
      return undefined;
    }
    const target = callee.name;
    const built = this.callees.get(e);
    if (built?.kind === "primitive") {
      const p = built.primitive;
      const args = bindArgs(p.params, rawArgs, scope, target, e.span);
      return this.primitive(p, args, nm, path, e.span);
    }
    const b = built?.block;
    if (!b) {
      throw new EvalError(`unknown block or primitive \`${target}\``, callee.span, "E0103", suggest(target, [...this.arch.blocks.keys(), ...Object.keys(primitives)]));
    }
    const args = bindArgs(
      b.params.map((p) => ({ name: p.name, type: "any" as const, ...(p.default ? { defaultExpr: p.default } : {}) })),
      rawArgs,
      scope,
      target,
      e.span,
    );
    return this.block(b, args, nm, path, e.span);
  }

  private primitive(p: Primitive, args: Record<string, Value>, nm: string, path: string, span: A.Span): Instance {
    return this.counted({
      name: nm,
      path,
      className: p.className(args),
      repr: p.repr(args),
      kind: "primitive",
      primitive: p,
      args,
      children: [],
      weights: primitiveWeights(p, args, span).map((w) => ({ name: w.name ? joinPath(path, w.name) : path, shape: w.shape })),
      span,
    });
  }

  /**
   * A block instance, unless it is one already being built with the same arguments: that is a
   * cycle (A contains B contains A) that would otherwise grow until the module limit.
   */
  private block(b: BlockIR, args: Record<string, Value>, nm: string, path: string, span?: A.Span): Instance | undefined {
    const key = JSON.stringify(args);
    const again = this.building.findIndex((f) => f.block === b && f.key === key);
    if (again >= 0) {
      const chain = [...this.building.slice(again).map((f) => f.block.name), b.name];
      if (!this.reportedCycles.has(chain.join(" "))) {
        this.reportedCycles.add(chain.join(" "));
        const msg = chain.length === 2 ? `block \`${b.name}\` contains itself` : `blocks contain each other: ${chain.map((n) => `\`${n}\``).join(" contains ")}`;
        this.diagnostics.push(error("E0204", b.nameSpan, msg, { hint: "a block cannot be a submodule of itself, directly or through other blocks" }));
      }
      return undefined;
    }
    this.building.push({ block: b, key });
    try {
      return this.blockBody(b, args, nm, path, span);
    } finally {
      this.building.pop();
    }
  }

  private blockBody(b: BlockIR, args: Record<string, Value>, nm: string, path: string, span?: A.Span): Instance | undefined {
    if (++this.depth > 64) {
      this.diagnostics.push(error("E0204", b.nameSpan, `block \`${b.name}\` contains itself`, { hint: "a block cannot be its own submodule" }));
      this.depth--;
      return undefined;
    }
    try {
      const scope = chainScopes(mapScope(args), this.configScope);
      if (b.alias) return this.alias(b, b.alias, args, scope, nm, path);
      const inst: Instance = this.counted({
        name: nm,
        path,
        className: b.className ? interpolate(b.className.value, scope, b.className.span) : b.name,
        repr: b.repr ? interpolate(b.repr.value, scope, b.repr.span, pyValue) : "",
        kind: "block",
        block: b,
        args,
        children: [],
        weights: [],
        ...(span ? { span } : {}),
      });
      for (const sm of b.submodules) {
        const child = this.guard(() => this.submodule(sm, scope, path));
        if (child) inst.children.push(child);
      }
      this.blockTies(b, scope, path);
      return inst;
    } finally {
      this.depth--;
    }
  }

  /** A block that is another module under its own class name and repr (`block X = Linear(…)`). */
  private alias(b: BlockIR, alias: A.Expr, args: Record<string, Value>, scope: Scope, nm: string, path: string): Instance | undefined {
    const inner = this.call(alias, scope, nm, path);
    if (!inner) return undefined;
    if (b.className) {
      inner.className = interpolate(b.className.value, scope, b.className.span);
      inner.repr = b.repr ? interpolate(b.repr.value, scope, b.repr.span, pyValue) : "";
    } else if (b.repr) inner.repr = interpolate(b.repr.value, scope, b.repr.span, pyValue);
    inner.block = b;
    inner.args = { ...args, ...inner.args };
    return inner;
  }

  private submodule(sm: BlockIR["submodules"][number], scope: Scope, path: string): Instance | undefined {
    if (sm.cond && !truthy(evaluate(sm.cond, scope), sm.cond.span)) return undefined;
    const c = this.instantiate(sm.module, scope, sm.name, joinPath(path, sm.name));
    if (c && sm.className) {
      const cls = evaluate(sm.className, scope);
      // `as null` keeps the module's own class name (a child arch undoing its base's rename).
      if (cls !== null && typeof cls !== "string") throw new EvalError(`a class name must be a string, found ${describe(cls)}`, sm.className.span, "E0201");
      if (cls !== null) c.className = cls;
    }
    return c;
  }

  private blockTies(b: BlockIR, scope: Scope, path: string): void {
    for (const t of b.ties) {
      try {
        if (t.cond && !truthy(evaluate(t.cond, scope), t.cond.span)) continue;
      } catch (e) {
        if (e instanceof EvalError) this.diagnostics.push(evalErrorToDiagnostic(e));
        continue;
      }
      this.ties.push({ target: joinPath(path, t.target.join(".")), source: joinPath(path, t.source.join(".")) });
      this.tieSpans.set(joinPath(path, t.target.join(".")), t.span);
    }
  }
}

/** Arguments of a block or primitive by parameter name: positional, keywords, then defaults. */
function bindArgs(
  params: { name: string; default?: Value; defaultExpr?: A.Expr }[],
  args: A.Arg[],
  scope: Scope,
  target: string,
  span: A.Span,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  let pos = 0;
  for (const a of args) {
    if (a.keyword) {
      if (!params.some((p) => p.name === a.keyword)) {
        throw new EvalError(`\`${target}\` has no argument \`${a.keyword}\``, a.span, "E0110", suggest(a.keyword, params.map((p) => p.name)) ?? `arguments: ${params.map((p) => p.name).join(", ")}`);
      }
      out[a.keyword] = evaluate(a.value, scope);
    } else {
      const p = params[pos++];
      if (!p) throw new EvalError(`\`${target}\` takes ${params.length} argument(s), found more`, a.span, "E0111");
      out[p.name] = evaluate(a.value, scope);
    }
  }
  for (const p of params) {
    if (p.name in out) continue;
    if (p.default !== undefined) out[p.name] = p.default;
    else if (p.defaultExpr) out[p.name] = evaluate(p.defaultExpr, chainScopes(mapScope(out), scope));
    else throw new EvalError(`\`${target}\` needs argument \`${p.name}\``, span, "E0112");
  }
  return out;
}

/** Ties must name parameters that exist, of one shape: the target is the source's tensor. */
function checkTies(config: ResolvedConfig, root: Instance, ties: Tie[], tieSpans: Map<string, A.Span>, diagnostics: Diagnostic[]): void {
  const shapes = new Map(allWeights(root).map((w) => [w.name, w.shape]));
  const all = new Set(shapes.keys());
  for (const t of ties) {
    const [ts, ss] = [shapes.get(t.target), shapes.get(t.source)];
    if (ts && ss && ts.join(",") !== ss.join(",")) {
      const where = config.preset ? `preset "${config.preset}"` : "the defaults";
      diagnostics.push(
        error("E0310", tieSpans.get(t.target), `tied parameters differ in shape: \`${t.target}\` and \`${t.source}\` in ${where}`, {
          expected: `\`${t.source}\`: [${ss.join(", ")}]`,
          found: `\`${t.target}\`: [${ts.join(", ")}]`,
          hint: "a tied parameter is the source's tensor: declare both with the same sizes, or tie them only where they agree (`tie … if cond`)",
        }),
      );
    }
    for (const side of [t.target, t.source]) {
      if (!all.has(side)) {
        const head = side.split(".")[0]!;
        const near = [...all].filter((w) => w.startsWith(`${head}.`));
        const hint = suggest(side, all) ?? (near.length ? `parameters under \`${head}\`: ${near.slice(0, 6).join(", ")}${near.length > 6 ? ", …" : ""}` : `the block has no submodule \`${head}\``);
        diagnostics.push(error("E0404", tieSpans.get(t.target), `tie refers to \`${side}\`, which is not a parameter of this model`, { hint }));
      }
    }
  }
}

function primitiveWeights(p: Primitive, args: Record<string, Value>, span: A.Span) {
  try {
    const weights = p.weights(args);
    // A size is a count: `Linear(-16, -16)` would print, count 240 parameters and fail only at load.
    for (const w of weights) {
      if (w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) continue;
      const given = Object.entries(args).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k}=${v}`).join(", ");
      throw new EvalError(`${p.name}(${given}): the weight \`${w.name || "weight"}\` would have shape [${w.shape.join(", ")}]; sizes must be whole numbers from 0 to 2^53`, span, "E0203");
    }
    return weights;
  } catch (e) {
    if (e instanceof PrimitiveArgumentError) throw new EvalError(`${p.name}: ${e.message}`, span, "E0203");
    throw e;
  }
}

export function allWeights(inst: Instance): WeightInstance[] {
  // One array filled in place: spreading a large subtree's weights overflows the stack.
  const out: WeightInstance[] = [];
  const add = (i: Instance): void => {
    for (const w of i.weights) out.push(w);
    for (const c of i.children) add(c);
  };
  add(inst);
  return out;
}

export function* walkInstances(inst: Instance): Generator<Instance> {
  yield inst;
  for (const c of inst.children) yield* walkInstances(c);
}
