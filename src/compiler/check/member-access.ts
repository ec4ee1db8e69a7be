// `sub.weight`, `transformer.wte.weight`: a parameter of a submodule, as a tensor (tied
// heads, `linear(x, e.weight)`), or a submodule of a child block.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { PrimitiveArgumentError } from "../ir/primitives.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { moduleTypeOf, paramValue } from "./module-types.js";
import { tensor, type ModuleVariant, type Type } from "./types.js";

type MemberExpr = Extract<A.Expr, { kind: "member" }>;
type PrimitiveVariant = Extract<ModuleVariant, { kind: "primitive" }>;

export function inferMember(scope: BlockScope, e: MemberExpr, infer: Infer): Type | undefined {
  return memberType(scope, e, infer(e.target));
}

/** The type of `target.name`, given the target's type. */
export function memberType(scope: BlockScope, e: MemberExpr, target: Type | undefined): Type | undefined {
  const ctx = scope.ctx;
  if (target?.kind !== "module") return ctx.fail("E0201", e.span, "`.` is only for the parameters of a submodule (`lm_head.weight`)");
  const v = target.variants[0]!;
  if (v.kind === "primitive") {
    let shapes: ReturnType<typeof v.primitive.weights>;
    try {
      shapes = v.primitive.weights(Object.fromEntries([...v.args].map(([k, s]) => [k, s.sym?.constValue() ?? 1])));
    } catch (err) {
      if (err instanceof PrimitiveArgumentError) return ctx.fail("E0203", e.target.span, `${v.primitive.name}: ${err.message}`);
      throw err;
    }
    const w = shapes.find((s) => s.name === e.name);
    // Symbolic weight shape where known; else the shape computed with the constant arguments.
    if (w) return tensor(weightDims(v, e.name) ?? w.shape.map((n) => Sym.const(n)));
  } else {
    // A path into a child block (`transformer.wte.weight`): its submodule, typed with the block's arguments.
    const sm = v.block.submodules.find((s) => s.name === e.name);
    if (sm) return paramValue(moduleTypeOf(ctx, sm.module, (n) => v.args.get(n) ?? ctx.config.lookup(n)));
  }
  return ctx.fail("E0101", e.span, `\`${exprText(e.target)}\` has no parameter \`${e.name}\``);
}

// A weight's shape with symbols standing for the primitive's arguments, where its definition says which.
function weightDims(v: PrimitiveVariant, name: string): Sym[] | undefined {
  return v.primitive.weightDims?.[name]?.map((param) => v.args.get(param)?.sym ?? Sym.atom(param));
}
