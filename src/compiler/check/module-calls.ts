// Calling a submodule with tensors: a primitive by its apply rule (features, lookup, same
// shape), a block by its forward's declared inputs and result. A submodule chosen per
// configuration is checked once per choice, where that choice is the one built.
import type * as A from "../ast/nodes.js";
import { exprText } from "../ast/expr-text.js";
import type { OpArg } from "../ops/op-def.js";
import { Sym } from "../shapes/sym.js";
import { chosenTensor, undecided } from "./choices.js";
import type { CheckContext } from "./context.js";
import { sameDim } from "./dimension-proofs.js";
import { toSym, type Condition } from "./symbolic.js";
import { tensor, typeText, type ModuleT, type ModuleVariant, type TensorT, type Type } from "./types.js";

type PrimitiveVariant = Extract<ModuleVariant, { kind: "primitive" }>;
type BlockVariant = Extract<ModuleVariant, { kind: "block" }>;

/** The type `t(args)` returns; `callee` is how the call names the submodule (`layers[i]`). */
export function callModule(ctx: CheckContext, t: ModuleT, args: OpArg[], span: A.Span, callee?: string): Type | undefined {
  // Each variant is checked where it is the one built; results are compared where that cannot be told.
  const results = t.variants.map((v) => ({ when: v.when ?? [], type: ctx.guarded(v.when ?? [], () => callVariant(ctx, v, args, span, callee)) }));
  const first = results[0]?.type;
  const choices = results.filter((r) => r.type?.kind === "tensor") as { when: Condition[]; type: TensorT }[];
  if (first?.kind !== "tensor" || choices.length < 2) return first;
  ctx.guarded([undecided(choices.flatMap((c) => c.when))], () => {
    for (const r of choices.slice(1)) first.dims.forEach((d, i) => r.type.dims[i] && sameDim(ctx, d, r.type.dims[i]!, span, "E0306", `dimension ${i} of the two choices' results`));
  });
  const cond = choices.length === 2 ? choices[0]!.when.at(-1)?.text : undefined;
  return chosenTensor(choices, (ds) => (cond ? `if ${cond} then ${ds[0]} else ${ds[1]}` : ds.join(" | ")));
}

function callVariant(ctx: CheckContext, v: ModuleVariant, args: OpArg[], span: A.Span, callee = v.kind === "primitive" ? v.primitive.name : v.block.name): Type | undefined {
  return v.kind === "primitive" ? callPrimitive(ctx, v, args, span, callee) : callBlock(ctx, v, args, span, callee);
}

function callPrimitive(ctx: CheckContext, v: PrimitiveVariant, args: OpArg[], span: A.Span, callee: string): Type | undefined {
  const p = v.primitive;
  const rule = p.apply;
  if (rule.kind === "none" || rule.kind === "value") return ctx.fail("E0402", span, `\`${p.name}\` cannot be called`, { hint: rule.kind === "value" ? "use it as a tensor value" : undefined } as { hint?: string });
  if (args.length !== 1) return ctx.fail("E0111", span, `\`${p.name}\` takes one input`, { found: `${args.length} inputs` });
  const x = args[0]!;
  if (x.type.kind !== "tensor") return ctx.fail("E0403", x.expr.span, `the input of \`${p.name}\` must be a tensor`, { found: typeText(x.type) });
  const dims = x.type.dims;
  const argSym = (n: string) => v.args.get(n)?.sym;
  // How messages name the submodule: by its primitive, or as `name` (Primitive) when it has its own name.
  switch (rule.kind) {
    case "features": {
      const from = argSym(rule.from);
      const to = argSym(rule.to);
      if (!from || !to) return tensor(dims.slice(0, -1).concat([to ?? Sym.atom("?")]));
      if (dims.length === 0) return ctx.fail("E0305", x.expr.span, `the input of \`${p.name}\` has no feature dimension`);
      const layer = callee === p.name ? `${p.name}(${from.toString()}, ${to.toString()})` : `\`${callee}\` = ${p.name}(${from.toString()}, ${to.toString()})`;
      if (!sameDim(ctx, from, dims[dims.length - 1]!, x.expr.span, "E0303", `input features of ${layer}`)) {
        ctx.lastDiagnostic().notes = [{ message: `the input \`${exprText(x.expr)}\` has shape ${typeText(x.type)}` }];
        return undefined;
      }
      return tensor([...dims.slice(0, -1), to]);
    }
    case "lookup": {
      if (!x.type.ids) {
        const who = callee === p.name ? p.name : `\`${callee}\` (${p.name})`;
        return ctx.fail("E0403", x.expr.span, `${who} looks up token ids, but \`${exprText(x.expr)}\` is a float tensor`, {
          expected: `ids[${dims.map(String).join(", ")}]`,
          found: typeText(x.type),
          hint: "token ids come from an `ids[…]` input, `position_ids`, or integer arithmetic on them (`p + 2`)",
        });
      }
      const d = argSym(rule.dim);
      return tensor([...dims, d ?? Sym.atom("?")]);
    }
    case "same": {
      const ld = rule.lastDim ? argSym(rule.lastDim) : undefined;
      if (ld && dims.length > 0) sameDim(ctx, ld, dims[dims.length - 1]!, x.expr.span, "E0301", `normalised dimension of ${callee === p.name ? p.name : `\`${callee}\` (${p.name})`}`);
      return x.type;
    }
  }
}

function callBlock(ctx: CheckContext, v: BlockVariant, args: OpArg[], span: A.Span, callee: string): Type | undefined {
  const b = v.block;
  if (!b.forward) return ctx.fail("E0402", span, `block \`${b.name}\` has no forward and cannot be called`, { hint: "give it a `forward(...) -> [...] { ... }`" });
  const formals = b.forward.params;
  const required = formals.filter((f) => !f.default).length;
  if (args.length < required || args.length > formals.length) {
    const who = callee === b.name ? `\`${b.name}\`` : `\`${callee}\` (block ${b.name})`;
    return ctx.fail("E0111", span, `${who} takes ${required === formals.length ? required : `${required} to ${formals.length}`} input${formals.length === 1 ? "" : "s"}, but ${args.length} ${args.length === 1 ? "was" : "were"} given`, {
      expected: `${b.name}(${formals.map((f) => f.name).join(", ")})`,
    });
  }
  // The sizes a free dim (B, T) of the block's inputs takes in this call.
  const bindings = new Map<string, Sym>();
  // A name of the block's signature: its argument here, a free dim bound by this call, a config value, else a name of its own.
  const dimLookup = (n: string): Sym | undefined => v.args.get(n)?.sym ?? bindings.get(n) ?? ctx.config.sym(n) ?? Sym.symbol(`\u0000${n}`);
  args.forEach((a, i) => checkBlockInput(ctx, v, formals[i]!, a, bindings, dimLookup));
  const result = b.forward.result;
  if (!result) return returnedInCallerSizes(ctx, v, bindings);
  return tensor(result.dims.map((d) => toSym(d, dimLookup) ?? Sym.atom(exprText(d))), result.ids);
}

// One argument against the input it is given for: an int for an int input; for a tensor
// input the declared rank and sizes, a bare free dim binding on first sight.
function checkBlockInput(ctx: CheckContext, v: BlockVariant, f: A.Formal, a: OpArg, bindings: Map<string, Sym>, dimLookup: (n: string) => Sym | undefined): void {
  const b = v.block;
  if (f.scalar) {
    if (a.type.kind !== "scalar" || (a.type.base !== "int" && a.type.base !== "any")) {
      ctx.fail("E0201", a.expr.span, `input \`${f.name}\` of \`${b.name}\` is an int`, { found: typeText(a.type) });
    }
    return;
  }
  if (a.type.kind !== "tensor") {
    ctx.fail("E0403", a.expr.span, `input \`${f.name}\` of \`${b.name}\` must be a tensor`, { found: typeText(a.type) });
    return;
  }
  const actual = a.type.dims;
  const declared = f.type.dims;
  if (declared.length !== actual.length) {
    ctx.fail("E0307", a.expr.span, `input \`${f.name}\` of \`${b.name}\` has the wrong rank`, {
      expected: `[${declared.map(exprText).join(", ")}]`,
      found: typeText(a.type),
    });
    return;
  }
  declared.forEach((d, j) => {
    if (d.kind === "name" && !v.args.has(d.name) && !ctx.config.sym(d.name) && !bindings.has(d.name)) {
      bindings.set(d.name, actual[j]!);
      return;
    }
    const want = toSym(d, dimLookup);
    if (want) sameDim(ctx, want, actual[j]!, a.expr.span, "E0307", `dimension ${j} of input \`${f.name}\` of \`${b.name}\``);
  });
}

// A block without a declared result gives what its `return` gives (`return x, x` is a pair),
// in the caller's sizes.
function returnedInCallerSizes(ctx: CheckContext, v: BlockVariant, bindings: Map<string, Sym>): Type | undefined {
  const returned = ctx.returnedTypes(v.block);
  if (!returned) return { kind: "tuple", items: [] };
  const subst = new Map<string, Sym>(bindings);
  for (const [n, a] of v.args) if (a.sym) subst.set(n, a.sym);
  const items = returned.map((t) => (t.kind === "tensor" ? tensor(t.dims.map((d) => d.substitute(subst)), t.ids) : t));
  return items.length === 1 ? items[0] : { kind: "tuple", items };
}
