// Operators in a forward body: `-x`, elementwise `+ - * /` with broadcasting, `@`, and
// arithmetic or comparisons on numbers (which stay sizes where they can).
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import type { Sym } from "../shapes/sym.js";
import type { BlockScope, Infer } from "./block-scope.js";
import { sameDim } from "./dimension-proofs.js";
import { toSym } from "./symbolic.js";
import { tensor, typeText, type Type } from "./types.js";

type UnaryExpr = Extract<A.Expr, { kind: "unary" }>;
type BinaryExpr = Extract<A.Expr, { kind: "binary" }>;

const arithmeticOps = ["+", "-", "*", "/", "//", "%", "**"];
const comparisonOps = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"];
const elementwiseOps = ["+", "-", "*", "/"];
// Ids with ids or integers under these stay ids (positions `p + 2` index a table); anything else is float.
const idPreservingOps = ["+", "-", "*"];

export function inferUnary(scope: BlockScope, e: UnaryExpr, infer: Infer): Type | undefined {
  const t = infer(e.operand);
  if (!t) return undefined;
  if (e.op === "-" && t.kind === "scalar" && nullOperand(scope, e.operand, e)) return undefined;
  if (t.kind === "tensor" || t.kind === "scalar") return t.kind === "scalar" && e.op === "-" && t.sym ? { ...t, sym: t.sym.neg() } : t;
  return scope.ctx.fail("E0403", e.operand.span, `\`${e.op}\` needs a tensor or a number`, { found: typeText(t) });
}

export function inferBinary(scope: BlockScope, e: BinaryExpr, infer: Infer): Type | undefined {
  const l = infer(e.left);
  const r = infer(e.right);
  if (!l || !r) return undefined;
  return binaryType(scope, e, l, r);
}

/** The type of `left op right`, given the operands' types. */
export function binaryType(scope: BlockScope, e: BinaryExpr, l: Type, r: Type): Type | undefined {
  const ctx = scope.ctx;
  if (arithmeticOps.includes(e.op) && ((l.kind === "scalar" && nullOperand(scope, e.left, e)) || (r.kind === "scalar" && nullOperand(scope, e.right, e)))) return undefined;
  if (l.kind === "scalar" && r.kind === "scalar") {
    const sym = toSym(e, scope.scalarSym);
    const cmp = comparisonOps.includes(e.op);
    return { kind: "scalar", ...(sym && !cmp ? { sym } : {}), base: cmp ? "bool" : "any" };
  }
  if (e.op === "@") return matmulType(scope, e, l, r);
  if (!elementwiseOps.includes(e.op)) return ctx.fail("E0403", e.span, `\`${e.op}\` is not defined on tensors`);
  const integral = (t: Type) => (t.kind === "tensor" ? t.ids : t.kind === "scalar" && (t.base === "int" || (t.base === "any" && !!t.sym)));
  const ids = idPreservingOps.includes(e.op) && integral(l) && integral(r);
  if (l.kind === "tensor" && r.kind === "scalar") return tensor(l.dims, ids);
  if (l.kind === "scalar" && r.kind === "tensor") return tensor(r.dims, ids);
  if (l.kind !== "tensor" || r.kind !== "tensor") return ctx.fail("E0403", e.span, `\`${e.op}\` needs tensors or numbers`, { found: `${typeText(l)} ${e.op} ${typeText(r)}` });
  const dims = broadcastDims(scope, l.dims, r.dims, e);
  return dims ? tensor(dims, ids) : undefined;
}

// `a @ b` contracts a's last dimension with b's second-to-last; the dimensions before those broadcast.
function matmulType(scope: BlockScope, e: BinaryExpr, l: Type, r: Type): Type | undefined {
  const ctx = scope.ctx;
  if (l.kind !== "tensor" || r.kind !== "tensor") return ctx.fail("E0403", e.span, "`@` multiplies two tensors", { found: `${typeText(l)} @ ${typeText(r)}` });
  if (l.dims.length < 2 || r.dims.length < 2) return ctx.fail("E0305", e.span, "`@` needs operands of rank 2 or more", { found: `${typeText(l)} @ ${typeText(r)}` });
  const k1 = l.dims[l.dims.length - 1]!;
  const k2 = r.dims[r.dims.length - 2]!;
  const what = `the last dimension of \`${exprText(e.left)}\` differs from the second-to-last of \`${exprText(e.right)}\``;
  if (!sameDim(ctx, k1, k2, e.span, "E0302", what)) {
    ctx.lastDiagnostic().notes = [{ message: `${exprText(e.left)}: ${typeText(l)}` }, { message: `${exprText(e.right)}: ${typeText(r)}` }];
    return undefined;
  }
  const batch = broadcastDims(scope, l.dims.slice(0, -2), r.dims.slice(0, -2), e) ?? l.dims.slice(0, -2);
  return tensor([...batch, l.dims[l.dims.length - 2]!, r.dims[r.dims.length - 1]!]);
}

/**
 * Dimensions aligned from the right: equal sizes stay, a size 1 takes the other side's size.
 * Undefined after reporting the first pair that differs (with both shapes in the message).
 */
function broadcastDims(scope: BlockScope, a: Sym[], b: Sym[], e: BinaryExpr): Sym[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: Sym[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    if (!x) out.push(y!);
    else if (!y) out.push(x);
    else if (x.constValue() === 1) out.push(y);
    else if (y.constValue() === 1) out.push(x);
    else {
      if (x.equals(y)) {
        out.push(x);
        continue;
      }
      const ok = sameDim(scope.ctx, x, y, e.span, "E0301", `dimension ${i} of \`${exprText(e.left)} ${e.op} ${exprText(e.right)}\``);
      if (!ok) {
        const last = scope.ctx.lastDiagnostic();
        last.expected = `[${a.map(String).join(", ")}]  (${last.expected})`;
        last.found = `[${b.map(String).join(", ")}]  (${last.found})`;
        return undefined;
      }
      out.push(x);
    }
  }
  return out;
}

// Arithmetic on a config value that is null on a configuration running this code is the
// same error as in a `let` (`-p` with `param p: float? = null`), not a silent -0.
function nullOperand(scope: BlockScope, operand: A.Expr, op: A.Expr): boolean {
  const ctx = scope.ctx;
  if (operand.kind !== "name" || !ctx.config.isConfigName(operand.name) || scope.locals.has(operand.name) || scope.loopVars.has(operand.name) || scope.blockParams.has(operand.name)) return false;
  const env = ctx.liveEnvs().find((v) => v.values.get(operand.name) === null);
  if (!env) return false;
  ctx.fail("E0201", operand.span, `\`${exprText(op)}\` does arithmetic on \`${operand.name}\`, which is null in ${env.label}`, {
    hint: `choose a value for the null case: \`if ${operand.name} == null then … else ${exprText(op)}\`, or give \`${operand.name}\` a number`,
  });
  return true;
}
