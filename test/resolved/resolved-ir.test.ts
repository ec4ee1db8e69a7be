// The resolved IR of a small model, against what a reader of the source derives by hand: how
// each call binds its arguments, which default a left-out argument takes, each expression's
// shape, and the declaration each name denotes.
import { describe, expect, it } from "vitest";
import { archFromText } from "../../src/testing/properties.js";
import { checkedArch, configFor, modelFor, resolvedArch } from "../../src/compiler/pipeline.js";
import { typeText } from "../../src/compiler/check/types.js";
import { opCallsOf } from "../../src/compiler/ops/bound-call.js";
import type { CallExpr, NameExpr, OpTarget, ResolvedExpr, ResolvedStmt } from "../../src/compiler/resolved/nodes.js";
import { callsIn, expressionsIn } from "../../src/compiler/resolved/walk.js";

const text = `arch Tiny {
  param d: int = 16
  param heads: int = 2
  block Attn {
    q: Linear(d, d)
    k: Linear(d, d)
    v: Linear(d, d)
    o: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      let qh = split_heads(q(x), heads)
      let kh = split_heads(k(x), heads = heads)
      let a = attention(qh, kh, split_heads(v(x), heads), causal = true)
      for i in 0..2 {
        a = attention(a, kh, kh)
      }
      return o(merge_heads(a)) + x
    }
  }
  root Attn
}
`;

const { arch } = archFromText(text);
const resolved = resolvedArch(arch);
const block = resolved.blocks.get("Attn")!;
const body = block.forward!.body;
const syntax = arch.blocks.get("Attn")!.forward!.body;

const letOf = (name: string) => body.find((s): s is Extract<ResolvedStmt, { kind: "let" }> => s.kind === "let" && s.names[0] === name)!;
const opCall = (e: ResolvedExpr): OpTarget => {
  if (e.kind !== "call" || e.target?.kind !== "op") throw new Error(`not an op call: ${e.kind}`);
  return e.target;
};
const written = (t: OpTarget, name: string) => {
  const a = t.args.get(name);
  if (a?.kind !== "written") throw new Error(`${name} is not written`);
  return a.expr;
};
const names = (stmts: ResolvedStmt[], name: string) => expressionsIn(stmts).filter((e): e is NameExpr => e.kind === "name" && e.name === name);

describe("resolved IR of a small attention block", () => {
  it("checks without errors (the premise of the rest)", () => {
    expect(checkedArch(arch).diagnostics).toEqual([]);
  });

  it("binds a positional and a keyword argument to the same parameter", () => {
    const positional = opCall(letOf("qh").value);
    const keyword = opCall(letOf("kh").value);
    expect(positional.def.name).toBe("split_heads");
    expect(keyword.def).toBe(positional.def);
    expect([...positional.args.keys()]).toEqual(["x", "heads"]);
    expect([...keyword.args.keys()]).toEqual(["x", "heads"]);
    for (const t of [positional, keyword]) {
      const heads = written(t, "heads");
      expect(heads.kind === "name" && heads.name).toBe("heads");
    }
    expect(positional.args.get("heads")).toMatchObject({ kind: "written", keyword: false });
    expect(keyword.args.get("heads")).toMatchObject({ kind: "written", keyword: true });
    // The ops' hooks read both the same way: heads = 2 in the default configuration.
    const m = modelFor(arch);
    const calls = opCallsOf({ resolved, config: configFor(arch).values, instance: m.root }).filter((c) => c.def.name === "split_heads");
    expect(calls.map((c) => c.value("heads"))).toEqual([2, 2, 2]);
  });

  it("fills a left-out argument with the op definition's default, and keeps a written one", () => {
    const first = opCall(letOf("a").value);
    expect(first.def.name).toBe("attention");
    // Written: causal = true. Left out: the definition's defaults (no window, a KV cache, padding mask on).
    expect(written(first, "causal")).toMatchObject({ kind: "bool", value: true });
    expect(first.args.get("window")).toEqual({ kind: "default", value: null });
    expect(first.args.get("cache")).toEqual({ kind: "default", value: true });
    expect(first.args.get("padding")).toEqual({ kind: "default", value: true });
    expect(first.args.get("softcap")).toEqual({ kind: "default", value: null });
    // A parameter neither written nor defaulted is absent.
    expect(first.args.has("scale")).toBe(false);
    const loop = body.find((s) => s.kind === "for")!;
    const second = opCall(callsIn([loop]).find((c) => c.target?.kind === "op")!);
    expect(second.args.get("causal")).toEqual({ kind: "default", value: false });
    // Two stateful calls: two call sites, numbered in source order.
    expect([first.site, second.site]).toEqual([0, 1]);
  });

  it("gives each expression the hand-derived symbolic shape and its source span", () => {
    // split_heads of [B, T, d] into `heads` heads: [B, heads, T, d / heads].
    expect(typeText(letOf("qh").value.type!)).toBe("[B, heads, T, d / heads]");
    const qOfX = written(opCall(letOf("qh").value), "x");
    expect(typeText(qOfX.type!)).toBe("[B, T, d]");
    const ret = body.find((s) => s.kind === "return")!;
    expect(ret.kind === "return" && typeText(ret.values[0]!.type!)).toBe("[B, T, d]");
    // A call's span is the call's own text in the file.
    const span = qOfX.span;
    expect(text.slice(span.offset, span.offset + span.length)).toBe("q(x)");
    // …and the syntax it was read from is the parser's node itself.
    const first = syntax[0]!;
    expect(first.kind === "let" && first.value.kind === "call" && qOfX.syntax === first.value.args[0]!.value).toBe(true);
  });

  it("binds each name to its declaration", () => {
    const ret = body.find((s) => s.kind === "return")!;
    const [a] = names([ret], "a");
    // `a` in the return is the `let a` (the loop assigns it but does not declare it).
    expect(a!.binding).toEqual({ kind: "local", decl: { kind: "let", stmt: syntax[2] } });
    const [x] = names([ret], "x");
    expect(x!.binding).toEqual({ kind: "local", decl: { kind: "input", formal: arch.blocks.get("Attn")!.forward!.params[0] } });
    const heads = names(body, "heads");
    expect(heads.length).toBe(3);
    for (const h of heads) expect(h.binding).toEqual({ kind: "config", decl: arch.params.get("heads") });
    const o = (ret.kind === "return" ? (ret.values[0] as Extract<ResolvedExpr, { kind: "binary" }>).left : undefined) as CallExpr;
    expect(o.target?.kind).toBe("module");
    expect(o.callee.kind === "name" && o.callee.binding?.kind).toBe("submodule");
    const sub = o.callee.kind === "name" && o.callee.binding?.kind === "submodule" ? o.callee.binding : undefined;
    expect(sub?.decl).toBe(arch.blocks.get("Attn")!.submodules.find((s) => s.name === "o"));
    expect(sub?.type.kind === "module" && sub.type.variants.map((v) => (v.kind === "primitive" ? v.primitive.name : v.block.name))).toEqual(["Linear"]);
  });
});
