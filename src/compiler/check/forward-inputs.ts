// A forward's inputs: tensors whose sizes name config values, block parameters or free dims
// (B, T), or ints; and defaults, computed from the inputs before them.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { checkConfigNames } from "./config-names.js";
import { sameDim } from "./dimension-proofs.js";
import { toSym } from "./symbolic.js";
import { tensor, typeText, type TensorT } from "./types.js";

/** Each input enters the scope as a local of its declared type; a size no one declared becomes a free dim. */
export function declareInputs(scope: BlockScope, f: A.ForwardDecl): void {
  const ctx = scope.ctx;
  for (const formal of f.params) {
    if (formal.scalar) {
      if (formal.scalar.name !== "int") ctx.fail("E0201", formal.scalar.span, `a forward input is a tensor (\`[…]\`, \`ids[…]\`) or an \`int\`, found \`${formal.scalar.name}\``);
      if (formal.default) ctx.fail("E0201", formal.default.span, `the int input \`${formal.name}\` cannot have a default`);
      // Its value is known only at run time (the expert `moe` computes): not a dimension.
      scope.locals.set(formal.name, { kind: "scalar", base: "int" });
      continue;
    }
    const dims = formal.type.dims.map((d) => {
      if (d.kind === "name" && !scope.blockParams.has(d.name) && !ctx.config.sym(d.name)) scope.freeDims.add(d.name);
      return toSym(d, scope.signatureSym) ?? Sym.atom(exprText(d));
    });
    for (const d of formal.type.dims) checkConfigNames(ctx, d, (n) => (scope.freeDims.has(n) ? { kind: "scalar", base: "int" } : scope.declScope(n)));
    scope.locals.set(formal.name, tensor(dims, formal.type.ids));
  }
}

/**
 * An input's default is computed from the inputs before it when the caller leaves it out:
 * it must have the input's declared type, and inputs with defaults come last.
 */
export function checkInputDefaults(scope: BlockScope, f: A.ForwardDecl, infer: Infer): void {
  const { ctx, block: b } = scope;
  f.params.forEach((formal, i) => {
    if (formal.scalar) return;
    if (!formal.default) {
      const earlier = f.params.slice(0, i).find((p) => p.default);
      if (earlier) ctx.fail("E0111", formal.span, `input \`${formal.name}\` of \`${b.name}\` has no default but follows \`${earlier.name}\`, which has one`, { hint: "put inputs with defaults last" });
      return;
    }
    // The default sees only the inputs before it.
    const later = f.params.slice(i).map((p) => [p.name, scope.locals.get(p.name)!] as const);
    for (const [n] of later) scope.locals.delete(n);
    const t = infer(formal.default);
    for (const [n, t0] of later) scope.locals.set(n, t0);
    const want = scope.locals.get(formal.name) as TensorT;
    if (!t) return;
    if (t.kind !== "tensor" || t.ids !== want.ids || t.dims.length !== want.dims.length) {
      ctx.fail("E0307", formal.default.span, `the default of input \`${formal.name}\` does not have its declared type`, { expected: typeText(want), found: typeText(t) });
      return;
    }
    want.dims.forEach((d, j) => sameDim(ctx, d, t.dims[j]!, formal.default!.span, "E0307", `dimension ${j} of the default of input \`${formal.name}\``));
  });
}
