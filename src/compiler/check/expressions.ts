// The type of each expression of a forward body, recorded in the annotations: this file
// dispatches on the kind of expression to the check of that construct.
import type * as A from "../ast/nodes.js";
import { inferBinary, inferUnary } from "./arithmetic.js";
import type { BlockScope } from "./block-scope.js";
import { inferCall } from "./calls.js";
import { inferIfExpression } from "./control-flow.js";
import { inferIndex } from "./indexing.js";
import { inferMember } from "./member-access.js";
import { resolveName } from "./names.js";
import { scalarOf } from "./scalars.js";
import type { Type } from "./types.js";

/** The type of `e` (undefined: it, or a part it depends on, was reported). */
export function infer(scope: BlockScope, e: A.Expr): Type | undefined {
  const t = inferUnrecorded(scope, e);
  if (t) scope.ctx.annotations.types.set(e, t);
  return t;
}

function inferUnrecorded(scope: BlockScope, e: A.Expr): Type | undefined {
  const inferPart = (x: A.Expr) => infer(scope, x);
  switch (e.kind) {
    case "num":
    case "str":
    case "bool":
    case "null":
      return scalarOf(e, scope.lookup);
    case "list":
      e.items.forEach(inferPart);
      return scalarOf(e, scope.lookup);
    case "name":
      return resolveName(scope, e);
    case "unary":
      return inferUnary(scope, e, inferPart);
    case "binary":
      return inferBinary(scope, e, inferPart);
    case "if":
      return inferIfExpression(scope, e, inferPart);
    case "range":
      inferPart(e.from);
      inferPart(e.to);
      return { kind: "range" };
    case "index":
      return inferIndex(scope, e, inferPart);
    case "member":
      return inferMember(scope, e, inferPart);
    case "call":
      return inferCall(scope, e, inferPart);
    case "comprehension":
      return scope.ctx.fail("E0201", e.span, "list comprehensions are for submodule lists, not forward bodies");
  }
}
