// One block, checked once: its declarations, then its forward's inputs and body. A block
// called before it is checked (its caller needs what it returns) is checked then, first.
import type { BlockIR } from "../ir/model.js";
import { BlockScope } from "./block-scope.js";
import type { CheckContext } from "./context.js";
import { checkDeclarations } from "./declarations.js";
import { infer } from "./expressions.js";
import { checkInputDefaults, declareInputs } from "./forward-inputs.js";
import { checkReturnsAtAll } from "./returns.js";
import { walkStatements } from "./statements.js";

export function checkBlock(ctx: CheckContext, b: BlockIR): void {
  if (ctx.returns.has(b) || ctx.checking.has(b)) return;
  ctx.checking.add(b);
  ctx.symbolRoles = new Map(b.params.map((p) => [p.name, `a parameter of block \`${b.name}\` (each use gives its own value)`]));
  try {
    checkBlockBody(ctx, b);
  } finally {
    ctx.checking.delete(b);
    if (!ctx.returns.has(b)) ctx.returns.set(b, undefined);
  }
}

function checkBlockBody(ctx: CheckContext, b: BlockIR): void {
  const scope = new BlockScope(ctx, b);
  checkDeclarations(scope);
  const f = b.forward;
  if (!f) return;
  declareInputs(scope, f);
  checkInputDefaults(scope, f, (e) => infer(scope, e));
  walkStatements(scope, f.body);
  checkReturnsAtAll(scope, f);
}
