// What a submodule declaration builds: a primitive or block with its arguments, a choice of
// them (`if c then A else B`), or a list of them (`[Layer(i) for i in 0..n]`).
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { suggest } from "../diagnostics/suggest.js";
import type { BlockIR } from "../ir/model.js";
import { isPrimitive, primitives } from "../ir/primitives.js";
import { Sym } from "../shapes/sym.js";
import { negate } from "./choices.js";
import type { CheckContext } from "./context.js";
import { bindModuleArgs } from "./module-arguments.js";
import { scalarOf, type ListScalar, type NameLookup } from "./scalars.js";
import { condition, type Condition } from "./symbolic.js";
import { tensor, type ModuleListT, type ModuleT, type ScalarT, type Type } from "./types.js";

// Deeper than this, a declaration is taken to be a runaway alias chain.
const maxDepth = 32;

/**
 * The module type `e` declares; undefined after reporting why it is none. `isConfig` tells
 * which names a choice's condition reads from the configuration.
 */
export function moduleTypeOf(ctx: CheckContext, e: A.Expr, lookup: NameLookup, depth = 0, isConfig = ctx.config.isConfigName): ModuleT | ModuleListT | undefined {
  if (depth > maxDepth) return undefined;
  switch (e.kind) {
    case "if": {
      // Each variant remembers the choice that selects it, so that it is checked only where it is built.
      const c = condition(e.cond, isConfig);
      const a = selectedWhen(moduleTypeOf(ctx, e.then, lookup, depth + 1, isConfig), c);
      const b = selectedWhen(moduleTypeOf(ctx, e.else, lookup, depth + 1, isConfig), negate(c));
      if (a?.kind === "module" && b?.kind === "module") return { kind: "module", variants: [...a.variants, ...b.variants] };
      return a ?? b;
    }
    case "list": {
      const items = e.items.map((i) => moduleTypeOf(ctx, i, lookup, depth + 1, isConfig)).filter((t): t is ModuleT => t?.kind === "module");
      return { kind: "modlist", item: { kind: "module", variants: items.flatMap((i) => i.variants) }, items };
    }
    case "comprehension": {
      const itemLookup: NameLookup = (n, s) => (n === e.variable ? { kind: "scalar", sym: Sym.symbol(e.variable), base: "int" } : lookup(n, s));
      const inner = moduleTypeOf(ctx, e.item, itemLookup, depth + 1, (n) => n !== e.variable && isConfig(n));
      return inner?.kind === "module" ? { kind: "modlist", item: inner } : undefined;
    }
    case "name":
    case "call":
      return namedModuleType(ctx, e, lookup, depth);
    default:
      return ctx.fail("E0103", e.span, "expected a block, a primitive or a list of them", { found: exprText(e) });
  }
}

function selectedWhen(t: ModuleT | ModuleListT | undefined, w: Condition): ModuleT | ModuleListT | undefined {
  return t?.kind === "module" ? { kind: "module", variants: t.variants.map((v) => ({ ...v, when: [...(v.when ?? []), w] })) } : t;
}

// `Linear(d, ffn)`, `Layer(i)` or a bare `Norm`: a primitive or a block of the arch, with its arguments bound.
function namedModuleType(ctx: CheckContext, e: Extract<A.Expr, { kind: "name" | "call" }>, lookup: NameLookup, depth: number): ModuleT | ModuleListT | undefined {
  const arch = ctx.arch;
  const callee = e.kind === "call" ? e.callee : e;
  if (callee.kind !== "name") return ctx.fail("E0103", e.span, "expected a block or primitive name", { found: exprText(e) });
  const args = e.kind === "call" ? e.args : [];
  if (isPrimitive(callee.name)) {
    const p = primitives[callee.name]!;
    const bound = bindModuleArgs(ctx, p.params.map((x) => ({ name: x.name, optional: x.default !== undefined })), args, callee.name, e.span, lookup);
    return bound ? { kind: "module", variants: [{ kind: "primitive", primitive: p, args: bound }] } : undefined;
  }
  const b = arch.blocks.get(callee.name);
  if (!b) {
    return ctx.fail("E0103", callee.span, `unknown block or primitive \`${callee.name}\``, {
      hint: suggest(callee.name, [...arch.blocks.keys(), ...Object.keys(primitives)]) ?? `declare \`block ${callee.name}\` in \`${arch.name}\`, or use a primitive (docs/language.md lists them)`,
    });
  }
  const bound = bindModuleArgs(ctx, b.params.map((x) => ({ name: x.name, optional: x.default !== undefined })), args, callee.name, e.span, lookup);
  if (!bound) return undefined;
  if (b.alias) return aliasModuleType(ctx, b, b.alias, bound, depth);
  return { kind: "module", variants: [{ kind: "block", block: b, args: bound }] };
}

// `block Norm(dim: int) = RMSNorm(dim, eps = eps)`: the alias's own arguments are expressions
// over the block's parameters; a parameter left to its default reads that default (over config
// values). A primitive built this way remembers the block, whose name its weights carry.
function aliasModuleType(ctx: CheckContext, b: BlockIR, alias: A.Expr, bound: Map<string, ScalarT>, depth: number): ModuleT | ModuleListT | undefined {
  const aliasScope: NameLookup = (n, s) => {
    const given = bound.get(n);
    if (given) return given;
    const dflt = b.params.find((p) => p.name === n)?.default;
    return dflt ? scalarOf(dflt, (m) => ctx.config.lookup(m)) : (void s, ctx.config.lookup(n));
  };
  const inner = moduleTypeOf(ctx, alias, aliasScope, depth + 1);
  if (inner?.kind === "module") return { kind: "module", variants: inner.variants.map((v) => (v.kind === "primitive" ? { ...v, block: b } : v)) };
  return inner;
}

/** A bare parameter submodule (Param) stands for the tensor it holds, shaped by its `shape` argument. */
export function paramValue(t: ModuleT | ModuleListT | undefined): Type | undefined {
  if (t?.kind !== "module" || t.variants.length !== 1) return t;
  const v = t.variants[0]!;
  if (v.kind !== "primitive" || v.primitive.apply.kind !== "value") return t;
  const items = (v.args.get("shape") as ListScalar | undefined)?.items ?? [];
  return tensor(items.map((i, k) => i.sym ?? Sym.atom(`${v.primitive.name}.shape[${k}]`)));
}
