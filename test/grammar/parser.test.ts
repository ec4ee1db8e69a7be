// The grammar (grammar/parser.ts) through the CST → AST builder: every construct parses to
// the tree it means, precedence and associativity are as documented, and error recovery
// reports several syntax errors in one run, each at the right place.
import { describe, expect, it } from "vitest";
import { archLexer } from "../../grammar/tokens.js";
import type * as A from "../../src/compiler/ast/nodes.js";
import { parseArch } from "../../src/compiler/ast/build.js";
import { exprText } from "../../src/compiler/ast/expr-text.js";

function parse(text: string): A.ArchDecl[] {
  const r = parseArch("t.arch", text);
  expect(r.diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`)).toEqual([]);
  return r.file.archs;
}

/**
 * Fully parenthesised prefix form, so that a test states the tree it expects. Leaves print as
 * written (a float marked `f`, since `1.0` and `1` parse to different nodes).
 */
function sexp(e: A.Expr): string {
  switch (e.kind) {
    case "num":
      return e.isFloat ? `${e.value}f` : String(e.value);
    case "str":
    case "bool":
    case "null":
    case "name":
      return exprText(e);
    case "unary":
      return `(${e.op} ${sexp(e.operand)})`;
    case "binary":
      return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case "if":
      return `(if ${sexp(e.cond)} ${sexp(e.then)} ${sexp(e.else)})`;
    case "range":
      return `(.. ${sexp(e.from)} ${sexp(e.to)})`;
    case "call":
      return `(call ${sexp(e.callee)}${e.args.map((a) => ` ${a.keyword ? `${a.keyword}=` : ""}${sexp(a.value)}`).join("")})`;
    case "index":
      return `(index ${sexp(e.target)} ${sexp(e.index)})`;
    case "member":
      return `(. ${sexp(e.target)} ${e.name})`;
    case "list":
      return `[${e.items.map(sexp).join(" ")}]`;
    case "comprehension":
      return `[${sexp(e.item)} for ${e.variable} in ${sexp(e.iter)}]`;
  }
}

/** The expression `src` as the default of a let. */
function expr(src: string): string {
  const [arch] = parse(`arch E {\n  let v = ${src}\n}`);
  return sexp((arch!.members[0] as A.LetDecl).value);
}

const member = <K extends A.Member["kind"]>(text: string, kind: K): Extract<A.Member, { kind: K }> => {
  const [arch] = parse(`arch M {\n${text}\n}`);
  const m = arch!.members.find((x) => x.kind === kind);
  expect(m, `a ${kind} member`).toBeDefined();
  return m as Extract<A.Member, { kind: K }>;
};

describe("lexer", () => {
  const kinds = (s: string) => archLexer.tokenize(s).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
  it("reads `0..n` as a range, not a float", () => expect(kinds("0..n")).toEqual(["Integer:0", "DotDot:..", "Identifier:n"]));
  it("reads floats with exponents", () => expect(kinds("1e-5 1.5E+3 2.0")).toEqual(["Float:1e-5", "Float:1.5E+3", "Float:2.0"]));
  it("never splits a name at a keyword prefix", () => expect(kinds("layers params iffy")).toEqual(["Identifier:layers", "Identifier:params", "Identifier:iffy"]));
  it("takes the longest operator", () => expect(kinds("-> <- => ** // == != <= >= && || ??")).toEqual(["Arrow:->", "LArrow:<-", "FatArrow:=>", "StarStar:**", "SlashSlash://", "EqEq:==", "NotEq:!=", "LtEq:<=", "GtEq:>=", "AndAnd:&&", "OrOr:||", "QQ:??"]));
  it("skips comments", () => expect(kinds("a # comment b\nc")).toEqual(["Identifier:a", "Identifier:c"]));
  it("reads escapes in strings", () => expect(expr(String.raw`"a\"b\\c\nd\te"`)).toBe(JSON.stringify('a"b\\c\nd\te')));
});

describe("declarations", () => {
  it("arch with a base", () => {
    const [a, b] = parse("arch Base {\n}\narch Child extends Base {\n}");
    expect([a!.name, a!.base, b!.name, b!.base?.name]).toEqual(["Base", undefined, "Child", "Base"]);
  });

  it("hf: model types and class mappings, commas optional", () => {
    const hf = member('  hf "llama", "llama2" {\n    LlamaForCausalLM => ForCausalLM,\n    LlamaModel => Model\n  }', "hf");
    expect(hf.modelTypes).toEqual(["llama", "llama2"]);
    expect(hf.classes.map((c) => [c.hfClass, c.block])).toEqual([["LlamaForCausalLM", "ForCausalLM"], ["LlamaModel", "Model"]]);
  });

  it("param: types, lists, optionals, defaults and config.json keys", () => {
    const [arch] = parse(
      'arch P {\n  param a: int = 1 <- a_key\n  param b: float? <- rope.factor, "x.y", z\n  param c: int[] = [1, 2]\n  param e: string[]? = null\n  override param f: bool = true\n}',
    );
    const ps = arch!.members as A.ParamDecl[];
    expect(ps.map((p) => [p.name, `${p.type.name}${p.type.list ? "[]" : ""}${p.type.optional ? "?" : ""}`, p.default ? sexp(p.default) : "-", p.override])).toEqual([
      ["a", "int", "1", false],
      ["b", "float?", "-", false],
      ["c", "int[]", "[1 2]", false],
      ["e", "string[]?", "null", false],
      ["f", "bool", "true", true],
    ]);
    expect(ps[0]!.hfKeys).toEqual([["a_key"]]);
    expect(ps[1]!.hfKeys).toEqual([["rope", "factor"], ["x", "y"], ["z"]]);
  });

  it("let, override let", () => {
    const [arch] = parse("arch L {\n  let a = 1\n  override let b = a + 1\n}");
    expect((arch!.members as A.LetDecl[]).map((l) => [l.name, l.override, sexp(l.value)])).toEqual([["a", false, "1"], ["b", true, "(+ a 1)"]]);
  });

  it("require with and without a message", () => {
    const [arch] = parse('arch R {\n  require d % h == 0 : "divisible"\n  require d > 0\n}');
    expect((arch!.members as A.RequireDecl[]).map((r) => [sexp(r.cond), r.message])).toEqual([["(== (% d h) 0)", "divisible"], ["(> d 0)", undefined]]);
  });

  it("ignore with dotted keys", () => expect(member("  ignore use_cache, rope_scaling.original, bos_token_id", "ignore").keys).toEqual([["use_cache"], ["rope_scaling", "original"], ["bos_token_id"]]));

  it("root", () => expect(member("  root ForCausalLM", "root").block).toBe("ForCausalLM"));

  it("preset with a root and either separator", () => {
    const p = member('  preset "Llama-2-7b" root Model { d = 4096; heads = 32, vocab = 32000  eps = 1e-5 }', "preset");
    expect([p.name, p.root]).toEqual(["Llama-2-7b", "Model"]);
    expect(p.values.map((v) => `${v.name}=${sexp(v.value)}`)).toEqual(["d=4096", "heads=32", "vocab=32000", "eps=0.00001f"]);
  });
});

describe("blocks", () => {
  it("parameters with defaults, class, repr, submodules with `as` and `if`", () => {
    const b = member(
      '  block Layer(i: int, w: float = 1.0) {\n    class "{prefix}Layer"\n    repr "i={i}"\n    norm: RMSNorm(d, eps = eps) as "LlamaRMSNorm" if use_norm\n    drop: Dropout\n  }',
      "block",
    );
    expect(b.params.map((p) => [p.name, p.type.name, p.default ? sexp(p.default) : "-"])).toEqual([["i", "int", "-"], ["w", "float", "1f"]]);
    expect([b.className?.value, b.repr?.value]).toEqual(["{prefix}Layer", "i={i}"]);
    expect(b.submodules.map((s) => [s.name, sexp(s.module), s.className ? sexp(s.className) : "-", s.cond ? sexp(s.cond) : "-"])).toEqual([
      ["norm", "(call RMSNorm d eps=eps)", '"LlamaRMSNorm"', "use_norm"],
      ["drop", "Dropout", "-", "-"],
    ]);
  });

  it("module lists, comprehensions and choices", () => {
    const b = member("  block S {\n    layers: [Layer(i) for i in 0..n]\n    pair: [A, B(2)]\n    ffn: if moe then Moe else Mlp(ffn)\n  }", "block");
    expect(b.submodules.map((s) => sexp(s.module))).toEqual(["[(call Layer i) for i in (.. 0 n)]", "[A (call B 2)]", "(if moe Moe (call Mlp ffn))"]);
  });

  it("alias blocks, with and without a body", () => {
    const [arch] = parse('arch A {\n  block Norm(dim: int) = RMSNorm(dim, eps = eps) {\n    class "LlamaRMSNorm"\n  }\n  block Act = Activation("silu")\n}');
    const [norm, act] = arch!.members as A.BlockDecl[];
    expect([sexp(norm!.alias!), norm!.className?.value, sexp(act!.alias!)]).toEqual(["(call RMSNorm dim eps=eps)", "LlamaRMSNorm", '(call Activation "silu")']);
  });

  it("override block; a print-only block", () => {
    const [arch] = parse('arch O {\n  override block Attention {\n  }\n  block Rotary {\n    class "LlamaRotaryEmbedding"\n  }\n}');
    const [a, r] = arch!.members as A.BlockDecl[];
    expect([a!.override, r!.override, r!.forward, r!.className?.value]).toEqual([true, false, undefined, "LlamaRotaryEmbedding"]);
  });

  it("ties with integer path parts and a condition", () => {
    const b = member("  block T {\n    tie lm_head.weight = model.layers.0.embed.weight if tie_embeddings\n  }", "block");
    expect(b.ties.map((t) => [t.target, t.source, t.cond ? sexp(t.cond) : "-"])).toEqual([[["lm_head", "weight"], ["model", "layers", "0", "embed", "weight"], "tie_embeddings"]]);
  });

  it("`block` is a name when no block name follows it", () => {
    const b = member("  block S {\n    block: Linear(d, d)\n    forward(x: [B, d]) -> [B, d] {\n      for block in blocks {\n        x = block(x)\n      }\n      return x\n    }\n  }", "block");
    expect(b.submodules.map((s) => s.name)).toEqual(["block"]);
    expect((b.forward!.body[0] as Extract<A.Stmt, { kind: "for" }>).variable).toBe("block");
  });
});

describe("forward", () => {
  const fwd = (sig: string, body: string) => member(`  block F {\n    forward${sig} {\n${body}\n    }\n  }`, "block").forward!;

  it("formals: tensor types, ids types, defaults; the declared result", () => {
    const f = fwd("(input_ids: ids[B, T], mask: [B, 1, T, T] = null, x: [B, T, heads * head_dim]) -> [B, T, vocab]", "      return x");
    expect(f.params.map((p) => [p.name, p.type.ids, p.type.dims.map(sexp).join(","), p.default ? sexp(p.default) : "-"])).toEqual([
      ["input_ids", true, "B,T", "-"],
      ["mask", false, "B,1,T,T", "null"],
      ["x", false, "B,T,(* heads head_dim)", "-"],
    ]);
    expect(f.result?.dims.map(sexp)).toEqual(["B", "T", "vocab"]);
  });

  it("a forward without a declared result", () => expect(fwd("(x: [B, d])", "      return x, x").result).toBeUndefined());

  it("every statement", () => {
    const f = fwd(
      "(x: [B, T, d])",
      [
        "      let q, k = split(x, [a, b])",
        "      q = q * 2",
        "      emit hidden_states(q)",
        "      emit router_logits[i + 1](k)",
        "      for layer in layers {\n        x = layer(x)\n      }",
        "      for i in 0..n {\n        x = x + i\n      }",
        "      if a {\n        x = x\n      } else if b {\n        x = -x\n      } else {\n        x = !x\n      }",
        "      return q, k",
      ].join("\n"),
    );
    const show = (s: A.Stmt): string => {
      switch (s.kind) {
        case "let":
        case "assign":
          return `${s.kind} ${s.names.join(",")} = ${sexp(s.value)}`;
        case "return":
          return `return ${s.values.map(sexp).join(", ")}`;
        case "emit":
          return `emit ${s.name}${s.index ? `[${sexp(s.index)}]` : ""}(${sexp(s.value)})`;
        case "for":
          return `for ${s.variable} in ${sexp(s.iter)} { ${s.body.map(show).join("; ")} }`;
        case "if":
          return `if ${sexp(s.cond)} { ${s.then.map(show).join("; ")} }${s.else ? ` else { ${s.else.map(show).join("; ")} }` : ""}`;
      }
    };
    expect(f.body.map(show)).toEqual([
      "let q,k = (call split x [a b])",
      "assign q = (* q 2)",
      "emit hidden_states(q)",
      "emit router_logits[(+ i 1)](k)",
      "for layer in layers { assign x = (call layer x) }",
      "for i in (.. 0 n) { assign x = (+ x i) }",
      "if a { assign x = x } else { if b { assign x = (- x) } else { assign x = (! x) } }",
      "return q, k",
    ]);
  });
});

describe("expressions", () => {
  it("literals", () => expect(["42", "4.0", "1e-6", '"s"', "true", "false", "null"].map(expr)).toEqual(["42", "4f", "0.000001f", '"s"', "true", "false", "null"]));
  it("a minus on a number literal folds into it", () => expect(expr("-3")).toBe("-3"));

  const cases: [string, string][] = [
    ["a + b * c", "(+ a (* b c))"],
    ["a - b - c", "(- (- a b) c)"],
    ["a / b // c % d @ e", "(@ (% (// (/ a b) c) d) e)"],
    ["a ** b ** c", "(** a (** b c))"],
    ["-a ** 2", "(- (** a 2))"],
    ["2 ** -a", "(** 2 (- a))"],
    ["!a && b || c", "(|| (&& (! a) b) c)"],
    ["a ?? b || c", "(?? a (|| b c))"],
    ["a + 1 < b * 2", "(< (+ a 1) (* b 2))"],
    ["x in [1, 2] && y != 3", "(&& (in x [1 2]) (!= y 3))"],
    ["(a + b) * c", "(* (+ a b) c)"],
    ["if a > 0 then b else c + 1", "(if (> a 0) b (+ c 1))"],
    ["0..n + 1", "(.. 0 (+ n 1))"],
    ["f(a, k = b)(c)[0].weight", "(. (index (call (call f a k=b) c) 0) weight)"],
    ["[i * 2 for i in 0..n]", "[(* i 2) for i in (.. 0 n)]"],
    ["[]", "[]"],
    ["[[1, 2], [3]]", "[[1 2] [3]]"],
    ["min(a, b) + len([1, 2, 3])", "(+ (call min a b) (call len [1 2 3]))"],
  ];
  for (const [src, tree] of cases) it(src, () => expect(expr(src)).toBe(tree));
});

describe("spans", () => {
  it("point at the text they came from, 1-based", () => {
    const text = "arch S {\n  param d: int = 64\n  let w = d * 4\n}";
    const [arch] = parse(text);
    const [p, l] = arch!.members as [A.ParamDecl, A.LetDecl];
    expect([p.nameSpan.line, p.nameSpan.col, p.nameSpan.length]).toEqual([2, 9, 1]);
    expect(text.slice(l.value.span.offset, l.value.span.offset + l.value.span.length)).toBe("d * 4");
  });
});

describe("error recovery", () => {
  const errors = (text: string) =>
    parseArch("bad.arch", text).diagnostics.map((d) => `${d.span!.file}:${d.span!.line}:${d.span!.col}: ${d.severity}[${d.code}]: ${d.message}`);

  it("reports every syntax error in one run", () => {
    const text = [
      "arch Broken {",
      "  param d: int =",
      "  param heads: int = 4",
      "  let half = (d / 2",
      "  require d % heads == 0",
      "  block Mlp {",
      "    up: Linear(d, 4 * d",
      "    down: Linear(4 * d, d)",
      "  }",
      '  preset "p" { d = }',
      "}",
    ].join("\n");
    expect(errors(text)).toEqual([
      "bad.arch:3:3: error[E0002]: expected an expression, found `param`",
      "bad.arch:5:3: error[E0002]: expected `)`, found `require`",
      "bad.arch:8:5: error[E0002]: expected `)`, found `down`",
      "bad.arch:10:20: error[E0002]: expected an expression, found `}`",
    ]);
  });

  it("names what is missing at the end of a line", () => {
    const [d] = parseArch("bad.arch", "arch A {\n  let x = f(1, 2\n  let y = 3\n}").diagnostics;
    expect(d!.message).toBe("expected `)`, found `let`");
    expect(d!.hint).toBe("is a `)` missing at the end of line 2?");
  });

  it("reports an unrecognised character once, with the parse error it causes suppressed", () =>
    expect(errors("arch A {\n  let x = 1 $ 2\n  let y = 3 ^ 4\n}")).toEqual([
      'bad.arch:2:13: error[E0001]: unexpected character "$"',
      'bad.arch:3:13: error[E0001]: unexpected character "^"',
    ]));

  it("says when a keyword is used as a name", () => {
    const [d] = parseArch("bad.arch", "arch A {\n  block B {\n    forward(ids: ids[B, T]) -> [B, T] {\n      return ids\n    }\n  }\n}").diagnostics;
    expect(`${d!.span!.line}:${d!.span!.col} ${d!.message}`).toBe("3:13 expected `)`, found `ids`");
    expect(d!.hint).toBe("`ids` is a keyword and cannot be used as a name; choose another name");
  });

  it("at the end of the file", () =>
    expect(errors("arch A {\n  param d: int = 1\n")).toEqual(["bad.arch:2:19: error[E0002]: expected `}`, found end of file"]));

  it("still builds the declarations around the errors", () => {
    const r = parseArch("bad.arch", "arch A {\n  param d: int =\n  param e: int = 2\n  let f = e * 2\n}");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.file.archs[0]!.members.map((m) => (m.kind === "param" || m.kind === "let" ? m.name : m.kind))).toEqual(expect.arrayContaining(["e", "f"]));
  });
});
