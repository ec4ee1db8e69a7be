// One-line checker tests: a small model around the construct under test, and the error it
// must (or must not) produce. The golden baselines in cases/ pin the full rendering.
import { describe, expect, it } from "vitest";
import { diagnose, expectError, expectNoErrors } from "./diagnose.js";

/** An arch with common hyperparameters around `members`. */
const arch = (members: string) => `arch Inline {
  param d: int = 64
  param heads: int = 4
  param kv_heads: int = 2
  param ffn: int = 256
  param vocab: int = 1000
${members}
}`;

/** One block `M` (the root) with `subs` as submodules and a forward `sig { body }`. */
const block = (subs: string, sig: string, body: string, extra = "") =>
  arch(`  block M {\n    ${subs}\n    forward${sig} {\n      ${body}\n    }\n  }\n  root M\n${extra}`);

const x = "(x: [B, T, d]) -> [B, T, d]";

describe("checker: well-formed models", () => {
  it("accepts a pre-norm GQA attention block", () =>
    expectNoErrors(
      block(
        "q: Linear(d, d)  k: Linear(d, kv_heads * (d / heads))  v: Linear(d, kv_heads * (d / heads))  o: Linear(d, d)",
        x,
        "let o2 = attention(split_heads(q(x), heads), split_heads(k(x), kv_heads), split_heads(v(x), kv_heads), causal = true)\n      return o(merge_heads(o2))",
        "  require d % heads == 0\n  require heads % kv_heads == 0",
      ),
    ));
  it("binds free dims on first use and broadcasts size 1", () => expectNoErrors(block("", "(x: [B, T, d], g: [1, 1, d]) -> [B, T, d]", "return x * g + x")));
  it("proves heads * (d / heads) = d symbolically", () => expectNoErrors(block("o: Linear(heads * (d / heads), d)", x, "return o(x)")));
  it("accepts the bundled Llama as a base", () => expectNoErrors("arch Derived extends Llama {\n  override param kv_heads: int = 8\n}", { zoo: true }));
});

describe("checker: one error per construct", () => {
  it("E0101 unknown name in forward", () => expectError(block("", x, "return x + bias"), "E0101", /unknown name `bias`/));
  it("E0101 suggests a close name", () => expect(expectError(arch("  let w = 2 * hedas"), "E0101", /hedas/).hint).toBe("did you mean `heads`?"));
  it("E0102 duplicate param", () => expectError(arch("  param d: int = 1"), "E0102", /`d` is defined twice/));
  it("E0102 duplicate submodule", () => expectError(block("a: Linear(d, d)  a: Linear(d, d)", x, "return a(x)"), "E0102", /submodule `a` is declared twice/));
  it("E0103 unknown primitive", () => expectError(block("n: LayerNrom(d)", x, "return n(x)"), "E0103", /unknown block or primitive `LayerNrom`/));
  it("E0104 unknown base", () => expectError("arch A extends Nope {\n}", "E0104", /unknown base architecture `Nope`/));
  it("E0105 override of a missing member", () => expectError(`${arch("")}\narch C extends Inline {\n  override let nope = 1\n}`, "E0105", /has no member `nope`/));
  it("E0106 redefinition without override", () => expectError(`${arch("")}\narch C extends Inline {\n  param d: int = 1\n}`, "E0106", /already defined by base/));
  it("E0107 override changes the type", () => expectError(`${arch("")}\narch C extends Inline {\n  override param d: float = 1.0\n}`, "E0107", /changes its type/));
  it("E0108 inheritance cycle", () => expectError("arch A extends B {\n}\narch B extends A {\n}", "E0108", /extends itself/));
  it("E0109 unknown preset hyperparameter", () => expectError(arch('  preset "p" { dd = 1 }'), "E0109", /no hyperparameter `dd`/));
  it("E0110 unknown keyword of a primitive", () => expectError(block("l: Linear(d, d, biass = false)", x, "return l(x)"), "E0110", /`Linear` has no argument `biass`/));
  it("E0110 unknown keyword of an op", () => expectError(block("", x, "return softmax(x, dim = 1)"), "E0110", /`softmax` has no argument `dim`/));
  it("E0111 too many arguments", () => expectError(block("l: Linear(d, d, false, 1)", x, "return l(x)"), "E0111", /takes 3 arguments, but 4 were given/));
  it("E0112 missing argument", () => expectError(block("l: Linear(d)", x, "return l(x)"), "E0112", /needs argument `out_features`/));
  it("E0113 no root", () => expectError(arch(""), "E0113", /declares no root block/));
  it("E0201 string for an int", () => expectError(arch('  preset "p" { d = "big" }'), "E0201", /`d` must be int, found string "big"/));
  it("E0202 violated require names the preset", () => expectError(block("", x, "return x", '  require d % heads == 0\n  preset "odd" { d = 30 }'), "E0202", /does not hold for preset "odd"/));
  it("E0204 cyclic lets", () => expectError(arch("  let a = b\n  let b = a"), "E0204", /a → b → a/));
  it("E0301 elementwise mismatch", () => expectError(block("u: Linear(d, ffn)", x, "return x + u(x)"), "E0301", /dimension 2 of `x \+ u\(x\)`/));
  it("E0302 matmul inner dimensions", () => expectError(block("", "(x: [B, T, d]) -> [B, T, T]", "return x @ x"), "E0302", /last dimension of `x` differs from the second-to-last of `x`/));
  it("E0303 Linear input features", () => expectError(block("u: Linear(ffn, d)", x, "return u(x)"), "E0303", /input features of `u` = Linear\(ffn, d\)/));
  it("E0303 linear op", () => expectError(block("e: Embedding(vocab, ffn)", "(x: [B, T, d]) -> [B, T, vocab]", "return linear(x, e.weight)"), "E0303", /in `linear`/));
  it("E0304 reshape element count", () => expectError(block("", x, "return reshape(x, [B, T, 2, d])"), "E0304", /number of elements/));
  it("E0304 split sizes", () => expectError(block("", x, "let a, b = split(x, [d, d])\n      return a"), "E0304", /sum of the split sizes/));
  it("E0304 split_heads not divisible", () => expectError(block("", "(x: [B, T, d]) -> [B, 3, T, d / 3]", "return split_heads(x, 3)"), "E0304", /not a multiple of `3`/));
  it("E0305 rank", () => expectError(block("", "(x: [B, d]) -> [B, d]", "return merge_heads(x)"), "E0305", /needs at least 3 dimensions/));
  it("E0306 return shape", () => expectError(block("u: Linear(d, ffn)", x, "return u(x)"), "E0306", /dimension 2 of the result of `M`/));
  it("E0307 block input shape", () =>
    expectError(arch(`  block N {\n    forward(y: [B, T, ffn]) -> [B, T, ffn] {\n      return y\n    }\n  }\n  block M {\n    n: N\n    forward${x} {\n      return n(x)\n    }\n  }\n  root M`), "E0307", /input `y` of `N`/));
  it("E0308 attention head sizes", () =>
    expectError(block("", "(q: [B, H, T, d], k: [B, H, T, ffn]) -> [B, H, T, ffn]", "return attention(q, k, k)"), "E0308", /head size of k/));
  it("E0309 concat", () => expectError(block("", "(x: [B, T, d], y: [B, S, d]) -> [B, T, d]", "return concat(x, y)"), "E0309", /dimension 1 of concat argument 2/));
  it("E0401 no return", () => expectError(block("", x, "let y = x"), "E0401", /never returns/));
  it("E0402 block without forward", () => expectError(arch(`  block P {\n    class "P"\n  }\n  block M {\n    p: P\n    forward${x} {\n      return p(x)\n    }\n  }\n  root M`), "E0402", /has no forward/));
  it("E0403 config value where a tensor belongs", () => expectError(block("", x, "return silu(d)"), "E0403", /must be a tensor/));
  it("E0404 tie to a missing parameter", () =>
    expectError(block("a: Linear(d, d, bias = false)  b: Linear(d, d)\n    tie a.bias = b.bias", x, "return a(b(x))"), "E0404", /tie refers to `a.bias`/));
  it("E0405 unknown op", () => expectError(block("", x, "return gleu(x)"), "E0405", /unknown operation `gleu`/));
});

describe("checker: errors do not cascade", () => {
  it("a syntax error stops checking of its file", () => {
    const { diagnostics } = diagnose(arch("  param w: int =\n  let z = w + nope"));
    expect(diagnostics.map((d) => d.code)).toEqual(["E0002"]);
  });
  it("a failed submodule is not reported again where it is used", () => {
    const { diagnostics } = diagnose(block("q: Linear(d, d, biased = false)", x, "let y = q(x)\n      return silu(y)"));
    expect(diagnostics.map((d) => d.code)).toEqual(["E0110"]);
  });
  it("a misspelt keyword is not also a missing argument", () => {
    const { diagnostics } = diagnose(arch("  block N(dim: int) = RMSNorm(dim)\n  block M {\n    n: N(dims = d)\n  }\n  root M"));
    expect(diagnostics.map((d) => d.code)).toEqual(["E0110"]);
  });
  it("a mismatched matmul does not also fail the return shape", () => {
    const { diagnostics } = diagnose(block("", "(x: [B, T, d]) -> [B, T, T]", "return x @ x"));
    expect(diagnostics.map((d) => d.code)).toEqual(["E0302"]);
  });
  it("an unknown base does not also report the members it would have given", () => {
    const { diagnostics } = diagnose("arch A extends Nope {\n  param d: int = 1\n}");
    expect(diagnostics.map((d) => d.code)).toEqual(["E0104"]);
  });
});

// Opaque terms (a call, `//`, `%`) are evaluated with each configuration's real values.
describe("checker: opaque config terms take the configuration's values", () => {
  const rotary = (lets: string, extra = "") =>
    arch(`  param pct: float = 0.375
  let head_dim = d / heads
${lets}
${extra}
  block M {
    forward(x: [B, H, T, head_dim]) -> [B, H, T, head_dim] {
      return rope(x, theta = 10000.0, dim = rot)
    }
  }
  root M`);
  // head_dim = 64 / 4 = 16; 16 * 0.375 = 6, 16 // 4 = 4, 16 % 10 = 6: all even.
  it("int(head_dim * pct)", () => expectNoErrors(rotary("  let rot = int(head_dim * pct)")));
  it("head_dim // 4", () => expectNoErrors(rotary("  let rot = head_dim // 4")));
  it("head_dim % 10", () => expectNoErrors(rotary("  let rot = head_dim % 10")));
  it("an odd value is reported on the configuration where it is odd, with its real value", () => {
    // defaults: 16 * 0.375 + 3 = 9; preset "even": 16 * 0.4375 + 3 = 10 (the probe 7 would give 10 on both).
    const { diagnostics } = diagnose(rotary("  let rot = int(head_dim * pct) + 3", '  preset "even" { pct = 0.4375 }'));
    expect(diagnostics.map((d) => `${d.code} ${d.found}`)).toEqual(["E0304 (int(head_dim * pct)) + 3 = 9 in the defaults"]);
  });
  it("`require rot % 2 == 0` holds on every configuration and is honoured", () =>
    expectNoErrors(rotary("  let rot = int(head_dim * pct)", "  require rot % 2 == 0")));
});

// Each configuration is checked along the branches it takes (issue 12, items 2 and 4).
describe("checker: branches a configuration never takes are not checked on it", () => {
  const projected = (body: string, extraSubs = "") => `arch Projected {
  param vocab: int = 100
  param emb: int = 16
  param d: int = 32
  param use_norm: bool = false
  block Model {
    embed_tokens: Embedding(vocab, emb)
    project_in: Linear(emb, d, bias = false) if emb != d
    project_out: Linear(d, emb, bias = false) if emb != d
    norm: LayerNorm(emb) if use_norm
    ${extraSubs}
    forward(input_ids: ids[B, T]) -> [B, T, emb] {
      let h = embed_tokens(input_ids)
      ${body}
    }
  }
  root Model
  preset "same" { emb = 32  d = 32  use_norm = true }
}`;
  it("`if c { … }` statements", () => expectNoErrors(projected("if emb != d {\n h = project_in(h)\n h = project_out(h)\n }\n if use_norm {\n h = norm(h)\n }\n return h")));
  it("`if c then a else b` expressions", () => expectNoErrors(projected("let g = if emb != d then project_in(h) else h\n return if emb != d then project_out(g) else g")));
  it("a local's type after `if` follows the branch taken", () =>
    expectNoErrors(projected("if emb != d {\n h = project_in(h)\n }\n let g = mixer(h)\n return if emb != d then project_out(g) else g", "mixer: if emb != d then Linear(d, d) else Linear(emb, emb)")));
  it("after `if c { return … }` the rest runs where c does not hold", () =>
    expectNoErrors(projected("if emb == d {\n return h\n }\n return project_out(project_in(h))")));
  it("a mismatch on a branch that runs is still reported", () =>
    expectError(projected("let g = if emb != d then project_in(h) else h\n return if emb != d then g else g"), "E0306", /dimension 2 of the result/));
  it("E0406: an optional submodule used where its condition is false", () => {
    const e = expectError(projected("return norm(h)"), "E0406", /`norm` is used where it does not exist: it is declared `if use_norm`, which is false in the defaults/);
    expect(e.span?.line).toBe(14);
  });
});

describe("checker: arithmetic on a nullable config value in a forward body", () => {
  const clip = (body: string, extra = "") => `arch Clip {
  param d: int = 8
  param p: float? = null
${extra}
  block M {
    forward(x: [B, T, d]) -> [B, T, d] {
      return ${body}
    }
  }
  root M
}`;
  it("E0201 for `-p` when p is null, as in a `let`", () => {
    const e = expectError(clip("clamp(x, -p, p)"), "E0201", /`-p` does arithmetic on `p`, which is null in the defaults/);
    expect([e.span?.line, e.span?.col]).toEqual([7, 24]);
    expectError(clip("x", "  let q = -p"), "E0201", /./);
  });
  it("E0201 for `p * 2.0` too", () => expectError(clip("x * (p * 2.0)"), "E0201", /`p \* 2.0` does arithmetic on `p`/));
  it("no error where the null case is taken care of, or p has a value", () => {
    expectNoErrors(clip("if p == null then x else clamp(x, -p, p)"));
    expectNoErrors(clip("clamp(x, -p, p)").replace("float? = null", "float? = 3.0"));
    expectNoErrors(clip("clamp(x, null, p)"));
  });
});

describe("checker: one root cause, one error", () => {
  it("a wrong split axis is reported at the split only, not at every use of its parts", () => {
    const src = block(
      "qkv: Linear(d, 3 * d)  o: Linear(d, d)",
      x,
      "let q, k, v = split(qkv(x), [d, d, d], axis = 1)\n      let a = attention(split_heads(q, heads), split_heads(k, heads), split_heads(v, heads), causal = true)\n      return o(merge_heads(a)) + q + k + v",
    );
    const { diagnostics } = diagnose(src);
    expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["E0304 shape mismatch in `split`: sum of the split sizes (must equal the split dimension)"]);
  });
});

describe("checker: functions of tensor expressions", () => {
  const withFn = (fn: string, body: string, subs = "") => block(subs, x, body, `  ${fn}`);
  it("a function is expanded where it is called and checked there", () => expectNoErrors(withFn("let mix(a, b, m) = a * m + b * (1.0 - m)", "return mix(x, x, 0.5)")));
  it("a shape error inside the body is reported in the body, with the call's sizes", () => {
    const e = expectError(withFn("let twice(a) = a + a @ a", "return twice(x)"), "E0302", /last dimension/);
    expect(e.span?.line).toBe(14);
  });
  it("E0111 wrong number of arguments", () => expectError(withFn("let mix(a, b, m) = a * m + b * (1.0 - m)", "return mix(x, x)"), "E0111", /function `mix` takes 3 arguments, but 2 were given/));
  it("E0201 an argument that calls something would run once per use", () =>
    expectError(withFn("let sq(a) = a * a", "return sq(u(x))", "u: Linear(d, d)"), "E0201", /an argument of function `sq` calls an operation or module/));
  it("E0204 a function that calls itself", () => expectError(withFn("let f(a) = f(a)", "return f(x)"), "E0204", /calls itself/));
  it("a submodule of the same name is the submodule", () => expectNoErrors(withFn("let mix(a) = a @ a", "return mix(x)", "mix: Linear(d, d)")));
});
