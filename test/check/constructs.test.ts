// The checker's per-construct checks, each run alone on one parsed snippet: a check is given
// the types of its parts by hand (not inferred by the rest of the checker), and its result is
// compared with the shape or diagnostic derived by hand from the language's rules.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type * as A from "../../src/compiler/ast/nodes.js";
import { binaryType } from "../../src/compiler/check/arithmetic.js";
import { BlockScope } from "../../src/compiler/check/block-scope.js";
import { checkBlock } from "../../src/compiler/check/blocks.js";
import { CheckContext } from "../../src/compiler/check/context.js";
import { checkDeclarations } from "../../src/compiler/check/declarations.js";
import { divides, sameDim } from "../../src/compiler/check/dimension-proofs.js";
import { infer } from "../../src/compiler/check/expressions.js";
import { declareInputs } from "../../src/compiler/check/forward-inputs.js";
import { callModule } from "../../src/compiler/check/module-calls.js";
import { moduleTypeOf } from "../../src/compiler/check/module-types.js";
import { walkStatements } from "../../src/compiler/check/statements.js";
import { tensor, typeText, type ModuleT, type Type } from "../../src/compiler/check/types.js";
import type { ArchIR } from "../../src/compiler/ir/model.js";
import { Sym } from "../../src/compiler/shapes/sym.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";

function archOf(src: string): ArchIR {
  const path = resolve("constructs.arch");
  const ws = loadWorkspace([path], { includeZoo: false, texts: new Map([[path, src]]) });
  expect(ws.diagnostics).toEqual([]);
  return [...ws.archs.values()][0]!;
}

/** A context over `src` whose block calls are checked by the real block check. */
function contextOf(src: string): CheckContext {
  return new CheckContext(archOf(src), checkBlock);
}

/** Block `name`'s scope with its declarations and forward inputs entered, and nothing else checked. */
function scopeOf(ctx: CheckContext, name: string): BlockScope {
  const scope = new BlockScope(ctx, ctx.arch.blocks.get(name)!);
  checkDeclarations(scope);
  if (scope.block.forward) declareInputs(scope, scope.block.forward);
  return scope;
}

/** The expressions of the block's first `return`. */
function returned(scope: BlockScope): A.Expr[] {
  const s = scope.block.forward!.body.find((x) => x.kind === "return");
  return s?.kind === "return" ? s.values : [];
}

const sym = Sym.symbol;
const codes = (ctx: CheckContext) => ctx.diagnostics.map((d) => d.code);

const arithmetic = `arch Arith {
  param d: int = 64
  param ffn: int = 256
  block M {
    forward(x: [B, T, d], y: [B, T, d]) -> [B, T, d] {
      return x + y, x @ y, x < y, x / y
    }
  }
  root M
}`;

describe("arithmetic alone (binaryType on given operand types)", () => {
  const [plus, matmul, less, divide] = [0, 1, 2, 3];
  const check = (which: number, l: Type, r: Type) => {
    const ctx = contextOf(arithmetic);
    const scope = scopeOf(ctx, "M");
    const e = returned(scope)[which] as Extract<A.Expr, { kind: "binary" }>;
    const t = binaryType(scope, e, l, r);
    return { ctx, t: t && typeText(t) };
  };

  it("broadcasts size 1 from the right and keeps equal sizes", () => {
    expect(check(plus, tensor([sym("B"), sym("T"), sym("d")]), tensor([Sym.const(1), Sym.const(1), sym("d")])).t).toBe("[B, T, d]");
    // [T, d] against [B, 1, d]: the shorter operand is aligned on the right.
    expect(check(plus, tensor([sym("T"), sym("d")]), tensor([sym("B"), Sym.const(1), sym("d")])).t).toBe("[B, T, d]");
  });

  it("reports a size that differs and does not broadcast (E0301), with the sizes of the defaults", () => {
    const { ctx, t } = check(plus, tensor([sym("B"), sym("T"), sym("d")]), tensor([sym("B"), sym("T"), sym("ffn")]));
    expect(t).toBeUndefined();
    expect(codes(ctx)).toEqual(["E0301"]);
    expect(ctx.diagnostics[0]!.expected).toContain("64");
    expect(ctx.diagnostics[0]!.found).toContain("256");
  });

  it("contracts the last dimension of a with the second-to-last of b, broadcasting the batch", () => {
    const a = tensor([Sym.const(1), sym("h"), sym("T"), sym("d")]);
    const b = tensor([sym("B"), Sym.const(1), sym("d"), sym("S")]);
    expect(check(matmul, a, b).t).toBe("[B, h, T, S]");
    const bad = check(matmul, tensor([sym("T"), sym("d")]), tensor([sym("ffn"), sym("S")]));
    expect(codes(bad.ctx)).toEqual(["E0302"]);
    expect(codes(check(matmul, tensor([sym("d")]), tensor([sym("d"), sym("S")])).ctx)).toEqual(["E0305"]);
  });

  it("compares numbers into a bool, and keeps token ids only under + - *", () => {
    const int = (n: string): Type => ({ kind: "scalar", sym: sym(n), base: "int" });
    expect(check(less, int("d"), int("ffn")).t).toBe("bool");
    const ids = tensor([sym("B"), sym("T")], true);
    expect(check(plus, ids, int("d")).t).toBe("ids[B, T]");
    expect(check(divide, ids, int("d")).t).toBe("[B, T]");
  });
});

const declarations = `arch Decls {
  param d: int = 64
  param heads: int = 4
  param n: int = 3
  param rms: bool = true
  let head_dim = d / heads
  block Layer(i: int) {
    forward(x: [B, T, d]) -> [B, T, d] {
      return x
    }
  }
  block M {
    q: Linear(d, heads * head_dim)
    layers: [Layer(i) for i in 0..n]
    norm: if rms then RMSNorm(d) else LayerNorm(d)
    typo: Linear(d, d, biass = false)
    short: Linear(d)
    nope: LayerNrom(d)
  }
  root M
}`;

describe("submodule declarations alone (moduleTypeOf on one declaration)", () => {
  const declared = (name: string) => {
    const ctx = contextOf(declarations);
    const sm = ctx.arch.blocks.get("M")!.submodules.find((s) => s.name === name)!;
    return { ctx, t: moduleTypeOf(ctx, sm.module, (n) => ctx.config.lookup(n)) };
  };

  it("binds a primitive's arguments; heads * (d / heads) is d", () => {
    const { ctx, t } = declared("q");
    expect(ctx.diagnostics).toEqual([]);
    const v = (t as ModuleT).variants[0]!;
    expect(v.kind === "primitive" && v.primitive.name).toBe("Linear");
    expect(v.args.get("in_features")!.sym!.equals(sym("d"))).toBe(true);
    expect(v.args.get("out_features")!.sym!.equals(sym("d"))).toBe(true);
  });

  it("types a comprehension as a list of the block", () => {
    const { t } = declared("layers");
    expect(t?.kind).toBe("modlist");
    expect(t && typeText(t)).toBe("list of module Layer");
  });

  it("keeps both choices of an if, each selected where its condition holds", () => {
    const { ctx, t } = declared("norm");
    const variants = (t as ModuleT).variants;
    expect(variants.map((v) => (v.kind === "primitive" ? v.primitive.name : v.block.name))).toEqual(["RMSNorm", "LayerNorm"]);
    // rms = true by default: the first is built there, the second is not.
    const defaults = ctx.envs.find((e) => e.label === "the defaults")!;
    expect(variants.map((v) => v.when!.every((c) => c(defaults) === true))).toEqual([true, false]);
  });

  it("reports a misspelt keyword (E0110), a missing argument (E0112) and an unknown primitive (E0103)", () => {
    const typo = declared("typo");
    expect(typo.t).toBeUndefined();
    expect(codes(typo.ctx)).toEqual(["E0110"]);
    expect(typo.ctx.diagnostics[0]!.hint).toBe("did you mean `bias`?");
    expect(codes(declared("short").ctx)).toEqual(["E0112"]);
    const nope = declared("nope");
    expect(codes(nope.ctx)).toEqual(["E0103"]);
    expect(nope.ctx.diagnostics[0]!.hint).toBe("did you mean `LayerNorm`?");
  });
});

const calls = `arch Calls {
  param vocab: int = 100
  param d: int = 64
  param ffn: int = 256
  block Block {
    forward(x: [B, T, d]) -> [B, T, d] {
      return x
    }
  }
  block Pair {
    forward(x: [B, T, d]) {
      return x, x
    }
  }
  block M {
    up: Linear(d, ffn)
    emb: Embedding(vocab, d)
    block: Block
    pair: Pair
  }
  root M
}`;

describe("calling a submodule alone (callModule on given argument types)", () => {
  const call = (name: string, ...args: Type[]) => {
    const ctx = contextOf(calls);
    const scope = scopeOf(ctx, "M");
    const t = scope.submods.get(name) as ModuleT;
    const dummy: A.Expr = { kind: "name", name: "x", span: ctx.arch.span };
    const out = callModule(ctx, t, args.map((type) => ({ type, expr: dummy })), ctx.arch.span);
    return { ctx, t: out && typeText(out) };
  };
  const BTd = tensor([sym("B"), sym("T"), sym("d")]);

  it("maps a Linear's input features to its output features", () => {
    expect(call("up", BTd).t).toBe("[B, T, ffn]");
    expect(codes(call("up", tensor([sym("B"), sym("T"), sym("ffn")])).ctx)).toEqual(["E0303"]);
  });

  it("looks token ids up in an Embedding, and refuses a float tensor", () => {
    expect(call("emb", tensor([sym("B"), sym("T")], true)).t).toBe("[B, T, d]");
    expect(codes(call("emb", tensor([sym("B"), sym("T")])).ctx)).toEqual(["E0403"]);
  });

  it("binds a block's free dims to the caller's sizes", () => {
    expect(call("block", tensor([Sym.const(2), Sym.const(5), sym("d")])).t).toBe("[2, 5, d]");
    expect(codes(call("block", tensor([Sym.const(2), sym("d")])).ctx)).toEqual(["E0307"]);
    expect(codes(call("block", BTd, BTd).ctx)).toEqual(["E0111"]);
  });

  it("gives what a block without a declared result returns, in the caller's sizes", () => {
    expect(call("pair", tensor([Sym.const(3), sym("T"), sym("d")])).t).toBe("([3, T, d], [3, T, d])");
  });
});

describe("dimension proofs alone", () => {
  const src = `arch Proofs {
  param d: int = 64
  param heads: int = 4
  let head_dim = d / heads
  preset "odd" { d = 30 }
}`;

  it("proves heads * head_dim = d by algebra, and finds the configuration where d / heads is not whole", () => {
    const ctx = contextOf(src);
    const span = ctx.arch.span;
    expect(sameDim(ctx, sym("heads").mul(ctx.config.sym("head_dim")!), sym("d"), span, "E0301", "test")).toBe(true);
    expect(divides(ctx, sym("d"), sym("heads"), span, "`d`")).toBe(false);
    // 64 is a multiple of 4; preset "odd" has d = 30, which is not.
    expect(codes(ctx)).toEqual(["E0304"]);
    expect(ctx.diagnostics[0]!.found).toBe('d = 30 in preset "odd"');
    expect(ctx.diagnostics[0]!.fixes?.[0]?.text).toBe("\n  require d % heads == 0");
  });
});

describe("names and control flow alone", () => {
  const src = `arch Flow {
  param d: int = 64
  param big: bool = true
  block M(k: int) {
    norm: LayerNorm(d)
    forward(x: [B, T, d]) -> [B, T, d] {
      if big {
        return x
      } else {
        return norm(x)
      }
    }
  }
  block N {
    forward(x: [B, T, d]) -> [B, T, d] {
      if big {
        return x
      }
      return x
    }
  }
  root M
}`;

  it("resolves each kind of name to what it was declared as", () => {
    const ctx = contextOf(src);
    const scope = scopeOf(ctx, "M");
    const names = ["x", "norm", "k", "d", "B"].map((name): A.Expr => ({ kind: "name", name, span: ctx.arch.span }));
    const types = names.map((e) => {
      const t = infer(scope, e);
      return t && typeText(t);
    });
    expect(types).toEqual(["[B, T, d]", "module LayerNorm", "int k", "int d", "int B"]);
    expect(names.map((e) => ctx.annotations.resolutions.get(e)?.kind)).toEqual(["local", "submodule", "blockParam", "config", "local"]);
    expect(ctx.diagnostics).toEqual([]);
  });

  it("knows a body always returns when both branches of an if return, and not when one does", () => {
    const ctx = contextOf(src);
    const both = scopeOf(ctx, "M");
    expect(walkStatements(both, both.block.forward!.body.slice(0, 1))).toBe(true);
    const one = scopeOf(ctx, "N");
    expect(walkStatements(one, one.block.forward!.body.slice(0, 1))).toBe(false);
    // What follows a returning branch runs only where it is not taken; the guard ends with the list.
    expect(ctx.guards).toEqual([]);
    expect(ctx.diagnostics).toEqual([]);
  });
});
