// `return` in a forward body: the result must have the declared shape; a block without a
// declared result is known to its callers by what it returns (`return x, x` is a pair).
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { sameDim } from "./dimension-proofs.js";
import { toSym } from "./symbolic.js";
import { typeText, type TensorT, type Type } from "./types.js";

type ReturnStmt = Extract<A.Stmt, { kind: "return" }>;

export function checkReturn(scope: BlockScope, s: ReturnStmt, infer: Infer): void {
  const { ctx, block: b } = scope;
  const declared = b.forward?.result;
  scope.returned = true;
  const ts = s.values.map((v) => infer(v));
  // The first return of a block without a declared result tells its callers what it gives.
  if (!declared && !ctx.returns.has(b) && ts.every((t) => t?.kind === "tensor")) ctx.returns.set(b, ts as Type[]);
  if (declared && ts.length === 1 && ts[0]?.kind === "tensor") checkDeclaredResult(scope, declared, ts[0], s.values[0]!);
}

function checkDeclaredResult(scope: BlockScope, declared: A.TensorType, got: TensorT, value: A.Expr): void {
  const { ctx, block: b } = scope;
  const want = declared.dims.map((d) => toSym(d, scope.signatureSym) ?? Sym.atom(exprText(d)));
  if (want.length !== got.dims.length) {
    ctx.fail("E0306", value.span, `\`${b.name}\` returns a tensor of rank ${got.dims.length}, but declares rank ${want.length}`, {
      expected: `[${declared.dims.map(exprText).join(", ")}]`,
      found: typeText(got),
    });
  } else {
    want.forEach((w, i) => sameDim(ctx, w, got.dims[i]!, value.span, "E0306", `dimension ${i} of the result of \`${b.name}\``));
  }
}

/** A forward that declares a result must return one somewhere. */
export function checkReturnsAtAll(scope: BlockScope, f: A.ForwardDecl): void {
  if (!scope.returned && f.result) scope.ctx.fail("E0401", f.span, `forward of \`${scope.block.name}\` declares a result but never returns`, { hint: "end the body with `return …`" });
}
