// A call of an op (`softmax(x, -1)`, `attention(q, k, v, causal = true)`): its arguments
// bound to the op's parameters by position or keyword, then the op's own shape rule.
import type * as A from "../ast/nodes.js";
import type { OpArg, OpContext, OpDef } from "../ops/op-def.js";
import { suggest } from "../diagnostics/suggest.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { divides, sameDim } from "./dimension-proofs.js";
import type { Type } from "./types.js";

type CallExpr = Extract<A.Expr, { kind: "call" }>;

export function inferOpCall(scope: BlockScope, e: CallExpr, name: string, op: OpDef, infer: Infer): Type | undefined {
  const ctx = scope.ctx;
  ctx.annotations.resolutions.set(e, { kind: "op", name, site: scope.site(!!op.stateful) });
  const named: Record<string, OpArg | undefined> = {};
  const rest: OpArg[] = [];
  let pos = 0;
  // A parameter written `name?` is optional.
  const positional = op.params.map((p) => p.replace(/\?$/, ""));
  const signature = opSignature(name, op);
  const positionalGiven = e.args.filter((x) => !x.keyword).length;
  let broken = false;
  for (const a of e.args) {
    const inferred = infer(a.value);
    if (!inferred) broken = true;
    const arg: OpArg = { type: inferred ?? { kind: "scalar", base: "any" }, expr: a.value };
    if (a.keyword) {
      if (!positional.includes(a.keyword) && !(op.keywords && a.keyword in op.keywords)) {
        ctx.fail("E0110", a.span, `\`${name}\` has no argument \`${a.keyword}\``, {
          expected: signature,
          hint: suggest(a.keyword, [...positional, ...Object.keys(op.keywords ?? {})]),
        } as { expected: string; hint?: string });
        continue;
      }
      named[a.keyword] = arg;
    } else if (pos < positional.length) named[positional[pos++]!] = arg;
    else if (op.variadic) rest.push(arg);
    else if (pos++ === positional.length) {
      // Reported once, at the first argument too many.
      ctx.fail("E0111", a.span, `\`${name}\` takes ${positional.length} positional argument${positional.length === 1 ? "" : "s"}, but ${positionalGiven} were given`, {
        expected: signature,
        found: `${positionalGiven} positional arguments`,
      });
    }
  }
  const missing = op.params.filter((p) => !p.endsWith("?") && !named[p]);
  if (missing.length) return ctx.fail("E0112", e.span, `\`${name}\` needs argument \`${missing[0]}\``, { expected: signature, hint: op.doc });
  // An argument that already failed has been reported; the op's rule would only cascade.
  if (broken) return undefined;
  const opCtx: OpContext = {
    fail: ctx.fail,
    sameDim: (x, y, sp, code, what) => sameDim(ctx, x, y, sp, code, what, name),
    divides: (a, n, sp, what) => divides(ctx, a, n, sp, what),
    callSpan: e.span,
  };
  return ctx.rootCause(() => op.infer(named, opCtx, rest));
}

// The argument list (the op's doc string can be long; this is what the call must match).
function opSignature(name: string, op: OpDef): string {
  const keywordNames = Object.keys(op.keywords ?? {});
  return `${name}(${[...op.params.map((p) => (p.endsWith("?") ? `${p.slice(0, -1)} = …` : p)), ...(op.variadic ? ["…"] : []), ...keywordNames.map((k) => `${k} = …`)].join(", ")})`;
}
