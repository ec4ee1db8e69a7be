// The operations a forward body may call, with their argument lists and shape rules.
// Each op here has a runtime implementation of the same name in src/runtime/lang.
import type * as A from "../ast/nodes.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Value } from "../ir/model.js";
import { Sym } from "../shapes/sym.js";
import { tensor, typeText, type ScalarT, type TensorT, type Type } from "./types.js";
import { recurrentOps } from "./ops-recurrent.js";
import { relativePositionOps } from "./ops-relative-position.js";
import { onceOps } from "./ops-once.js";
import { adaptiveSoftmaxOps } from "./ops-adaptive-softmax.js";

export interface OpArg {
  type: Type;
  expr: A.Expr;
}

export interface OpContext {
  /** Records an error; returns undefined so that rules can `return c.fail(...)`. */
  fail(code: DiagnosticCode, span: A.Span, message: string, extras?: { expected?: string; found?: string; hint?: string }): undefined;
  /** Proves a == b (symbolically, else on every preset); reports `code` when it does not hold. */
  sameDim(a: Sym, b: Sym, span: A.Span, code: DiagnosticCode, what: string): boolean;
  /** Proves that n divides a. */
  divides(a: Sym, n: Sym, span: A.Span, what: string): boolean;
  callSpan: A.Span;
}

export type ArgKind = "tensor" | "scalar" | "module" | "any";

export interface OpDef {
  /** Positional parameters, in order; a `?` suffix marks optional ones. */
  params: string[];
  /** Keyword-only parameters with their kind. */
  keywords?: Record<string, ArgKind>;
  /** What a left-out keyword means (the runtime's default): writing it out changes nothing. */
  defaults?: Record<string, Value>;
  variadic?: boolean; // extra positional tensors (concat)
  /** Carries state between decoding steps (KV cache, recurrent state). */
  stateful?: boolean;
  /** Positional arguments are passed unevaluated (as thunks): the op decides whether to compute them. */
  lazy?: boolean;
  doc: string;
  infer(args: Record<string, OpArg | undefined>, c: OpContext, rest: OpArg[]): Type | undefined;
}

const asTensor = (a: OpArg | undefined, c: OpContext, what: string, minRank = 1): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor") return c.fail("E0403", a.expr.span, `${what} must be a tensor`, { found: typeText(a.type) });
  if (a.type.dims.length < minRank) {
    return c.fail("E0305", a.expr.span, `${what} needs at least ${minRank} dimensions`, { expected: `rank >= ${minRank}`, found: typeText(a.type) });
  }
  return a.type;
};

const scalarSym = (a: OpArg | undefined): Sym | undefined => (a && a.type.kind === "scalar" ? a.type.sym : undefined);

const axisOf = (a: OpArg | undefined, rank: number, dflt: number): number => {
  const v = scalarSym(a)?.constValue() ?? dflt;
  // A fractional axis is no axis: -1 is out of range for every caller's check.
  if (!Number.isInteger(v)) return -1;
  return v < 0 ? rank + v : v;
};
const axisInRange = (ax: number, rank: number): boolean => ax >= 0 && ax < rank;

const sameShape = (name: string): OpDef => ({
  params: ["x"],
  doc: `${name}(x): elementwise; the shape is unchanged`,
  infer: (a, c) => asTensor(a.x, c, `the argument of ${name}`),
});

const activationNames = ["silu", "gelu", "gelu_tanh", "relu", "relu2", "tanh", "sigmoid", "exp", "sqrt", "square", "neg"];

export const ops: Record<string, OpDef> = {
  ...Object.fromEntries(activationNames.map((n) => [n, sameShape(n)])),
  ...recurrentOps,
  ...relativePositionOps,
  ...onceOps,
  ...adaptiveSoftmaxOps,
  act: {
    params: ["x", "kind"],
    doc: "act(x, kind): the activation named by a config string (silu, gelu, gelu_new, relu, …)",
    infer: (a, c) => asTensor(a.x, c, "the argument of act"),
  },
  softcap: {
    params: ["x", "cap"],
    doc: "softcap(x, cap) = cap * tanh(x / cap)",
    infer: (a, c) => asTensor(a.x, c, "the argument of softcap"),
  },
  softmax: {
    params: ["x", "axis?"],
    doc: "softmax(x, axis = -1)",
    infer: (a, c) => asTensor(a.x, c, "the argument of softmax"),
  },
  log_softmax: {
    params: ["x", "axis?"],
    doc: "log_softmax(x, axis = -1): log-probabilities (language-model heads that return them)",
    infer: (a, c) => asTensor(a.x, c, "the argument of log_softmax"),
  },
  clamp: {
    params: ["x", "lo", "hi"],
    doc: "clamp(x, lo, hi): each element limited to [lo, hi] (torch.clamp); a null bound is no bound",
    infer: (a, c) => asTensor(a.x, c, "the argument of clamp"),
  },
  layer_norm: {
    params: ["x", "eps?"],
    doc: "layer_norm(x, eps = 1e-5): LayerNorm over the last axis without weight or bias (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of layer_norm"),
  },
  rms_norm: {
    params: ["x", "eps?"],
    doc: "rms_norm(x, eps = 1e-6): x / sqrt(mean(x²) + eps) over the last axis, without a weight (scale it yourself, e.g. by a Param)",
    infer: (a, c) => asTensor(a.x, c, "the argument of rms_norm"),
  },
  l2_normalize: {
    params: ["x"],
    doc: "l2_normalize(x): each row (last axis) divided by its L2 norm",
    infer: (a, c) => asTensor(a.x, c, "the argument of l2_normalize"),
  },
  split_heads: {
    params: ["x", "heads"],
    doc: "split_heads(x: [.., T, heads*k], heads) -> [.., heads, T, k]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of split_heads", 2);
      const n = scalarSym(a.heads);
      if (!x || !n) return a.heads && !n ? c.fail("E0201", a.heads.expr.span, "the head count must be an integer config value") : undefined;
      const last = x.dims[x.dims.length - 1]!;
      c.divides(last, n, c.callSpan, "the last dimension of split_heads' input");
      return tensor([...x.dims.slice(0, -2), n, x.dims[x.dims.length - 2]!, last.div(n)]);
    },
  },
  merge_heads: {
    params: ["x"],
    doc: "merge_heads(x: [.., heads, T, k]) -> [.., T, heads*k]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of merge_heads", 3);
      if (!x) return undefined;
      const r = x.dims.length;
      return tensor([...x.dims.slice(0, r - 3), x.dims[r - 2]!, x.dims[r - 3]!.mul(x.dims[r - 1]!)]);
    },
  },
  rope: {
    params: ["x"],
    keywords: {
      theta: "scalar", style: "scalar", dim: "scalar", scaling: "scalar", factor: "scalar", original: "scalar", positions: "tensor",
      short_factor: "scalar", long_factor: "scalar", attention_factor: "scalar",
    },
    defaults: { style: "rotate_half", scaling: null, factor: 1 },
    doc: "rope(x: [B, H, T, D], theta, style = \"rotate_half\" | \"interleaved\", dim = D, scaling, factor, original; scaling = \"longrope\": per-frequency divisors short_factor (length <= original) or long_factor, cos/sin times attention_factor)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of rope", 4);
      if (x && a.dim && scalarSym(a.dim)) {
        // Rotating more dimensions than a head has is a shape error.
        const D = x.dims[3]!;
        const rd = scalarSym(a.dim)!;
        c.divides(rd, Sym.const(2), a.dim.expr.span, "the rotary dimension");
        void D;
      }
      return x;
    },
  },
  attention: {
    params: ["q", "k", "v"],
    keywords: {
      causal: "scalar",
      window: "scalar",
      scale: "scalar",
      softcap: "scalar",
      bias: "tensor",
      alibi: "scalar",
      alibi_dtype: "scalar",
      scale_bias: "scalar",
      padding: "scalar",
      cache: "scalar",
      logn: "scalar",
      segments: "tensor",
    },
    defaults: { causal: false, window: null, softcap: null, alibi: false, padding: true, cache: true },
    stateful: true,
    doc: "attention(q: [B, H, T, D], k: [B, KV, S, D], v: [B, KV, S, Dv], causal, window, scale, softcap, bias, alibi, alibi_dtype (\"bfloat16\": slopes and slope·position rounded as BLOOM/Falcon build them), scale_bias (bias and ALiBi join q·k before the scale: (q·k + bias)·scale), logn, segments: key j is hidden from query i unless segments[j] == segments[i]) -> [B, H, T, Dv]",
    infer: (a, c) => {
      const q = asTensor(a.q, c, "q", 4);
      const k = asTensor(a.k, c, "k", 4);
      const v = asTensor(a.v, c, "v", 4);
      if (!q || !k || !v) return undefined;
      for (const r of [q, k, v]) if (r.dims.length !== 4) return c.fail("E0305", c.callSpan, "attention takes rank-4 tensors [B, heads, T, head_dim]", { found: typeText(r) });
      c.sameDim(q.dims[0]!, k.dims[0]!, a.k!.expr.span, "E0308", "batch of k");
      c.sameDim(q.dims[3]!, k.dims[3]!, a.k!.expr.span, "E0308", "head size of k (must equal q's)");
      c.sameDim(k.dims[1]!, v.dims[1]!, a.v!.expr.span, "E0308", "key/value heads of v (must equal k's)");
      c.divides(q.dims[1]!, k.dims[1]!, c.callSpan, "the number of query heads");
      return tensor([q.dims[0]!, q.dims[1]!, q.dims[2]!, v.dims[3]!]);
    },
  },
  split: {
    params: ["x", "sizes", "axis?"],
    doc: "split(x, [a, b, …], axis = -1) -> (x_a, x_b, …)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of split");
      if (!x || !a.sizes) return undefined;
      const sizesExpr = a.sizes.expr;
      if (sizesExpr.kind !== "list") return c.fail("E0201", sizesExpr.span, "split sizes must be a list literal `[a, b, …]`");
      const ax = axisOf(a.axis, x.dims.length, -1);
      if (!axisInRange(ax, x.dims.length)) return c.fail("E0305", c.callSpan, "split axis out of range", { found: typeText(x) });
      const parts = (a.sizes.type as ScalarT & { items?: ScalarT[] }).items ?? [];
      const syms = parts.map((p) => p.sym);
      if (syms.some((s) => !s)) return c.fail("E0201", sizesExpr.span, "split sizes must be integer config expressions");
      const total = syms.reduce<Sym>((acc, s) => acc.add(s!), Sym.const(0));
      c.sameDim(x.dims[ax]!, total, sizesExpr.span, "E0304", "sum of the split sizes (must equal the split dimension)");
      return { kind: "tuple", items: syms.map((s) => tensor(x.dims.map((d, i) => (i === ax ? s! : d)), x.ids)) };
    },
  },
  chunk: {
    params: ["x", "n", "axis?"],
    doc: "chunk(x, n, axis = -1) -> n equal parts",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of chunk");
      const n = scalarSym(a.n)?.constValue();
      if (!x || n === undefined) return a.n && n === undefined ? c.fail("E0201", a.n.expr.span, "chunk count must be an integer literal") : undefined;
      // Each part is a value of its own: a count of 10^29 would exhaust memory, not be checked.
      if (!Number.isInteger(n) || n < 1 || n > 65536) return c.fail("E0203", a.n!.expr.span, `chunk count must be an integer from 1 to 65536, found ${n}`);
      const ax = axisOf(a.axis, x.dims.length, -1);
      if (!axisInRange(ax, x.dims.length)) return c.fail("E0305", c.callSpan, "chunk axis out of range", { found: typeText(x) });
      c.divides(x.dims[ax]!, Sym.const(n), c.callSpan, "the chunked dimension");
      const part = x.dims[ax]!.div(Sym.const(n));
      return { kind: "tuple", items: Array.from({ length: n }, () => tensor(x.dims.map((d, i) => (i === ax ? part : d)), x.ids)) };
    },
  },
  concat: {
    params: ["x"],
    keywords: { axis: "scalar" },
    variadic: true,
    doc: "concat(a, b, …, axis = -1)",
    infer: (a, c, rest) => {
      const all = [a.x, ...rest].map((t, i) => asTensor(t, c, `concat argument ${i + 1}`));
      if (all.some((t) => !t)) return undefined;
      const ts = all as TensorT[];
      const ax = axisOf(a.axis, ts[0]!.dims.length, -1);
      if (!axisInRange(ax, ts[0]!.dims.length)) return c.fail("E0305", c.callSpan, "concat axis out of range", { found: typeText(ts[0]!) });
      // A rank mismatch makes every per-dimension comparison meaningless: report it alone.
      const bad = ts.findIndex((t) => t.dims.length !== ts[0]!.dims.length);
      if (bad > 0) {
        return c.fail("E0309", rest[bad - 1]!.expr.span, `concat argument ${bad + 1} has rank ${ts[bad]!.dims.length}, argument 1 has rank ${ts[0]!.dims.length}`, {
          expected: typeText(ts[0]!),
          found: typeText(ts[bad]!),
          hint: "concatenated tensors must have the same rank",
        });
      }
      let total = Sym.const(0);
      ts.forEach((t, i) => {
        t.dims.forEach((d, j) => {
          if (j !== ax && i > 0) c.sameDim(ts[0]!.dims[j]!, d, (rest[i - 1] ?? a.x)!.expr.span, "E0309", `dimension ${j} of concat argument ${i + 1}`);
        });
        total = total.add(t.dims[ax] ?? Sym.const(0));
      });
      return tensor(ts[0]!.dims.map((d, j) => (j === ax ? total : d)), ts[0]!.ids);
    },
  },
  reshape: {
    params: ["x", "shape"],
    doc: "reshape(x, [d1, d2, …]): same number of elements",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of reshape");
      const items = (a.shape?.type as ScalarT & { items?: ScalarT[] }).items;
      if (!x || !a.shape) return undefined;
      if (!items || items.some((i) => !i.sym)) return c.fail("E0201", a.shape.expr.span, "reshape needs a list of integer config expressions");
      const dims = items.map((i) => i.sym!);
      const prod = (ds: Sym[]) => ds.reduce((p, d) => p.mul(d), Sym.const(1));
      c.sameDim(prod(x.dims), prod(dims), a.shape.expr.span, "E0304", "number of elements after reshape");
      return tensor(dims, x.ids);
    },
  },
  unflatten: {
    params: ["x", "axis", "sizes"],
    doc: "unflatten(x, axis, [a, b, …]): splits one axis into several (torch.unflatten); a·b·… must equal its size",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of unflatten");
      if (!x || !a.sizes) return undefined;
      const items = (a.sizes.type as ScalarT & { items?: ScalarT[] }).items;
      if (a.sizes.expr.kind !== "list" || !items || items.some((i) => !i.sym)) return c.fail("E0201", a.sizes.expr.span, "unflatten sizes must be a list of integer config expressions");
      const ax = axisOf(a.axis, x.dims.length, -1);
      if (ax < 0 || ax >= x.dims.length) return c.fail("E0305", c.callSpan, "unflatten axis out of range", { found: typeText(x) });
      const sizes = items.map((i) => i.sym!);
      c.sameDim(x.dims[ax]!, sizes.reduce((p, d) => p.mul(d), Sym.const(1)), a.sizes.expr.span, "E0304", "product of the unflatten sizes (must equal the unflattened dimension)");
      return tensor([...x.dims.slice(0, ax), ...sizes, ...x.dims.slice(ax + 1)], x.ids);
    },
  },
  flatten: {
    params: ["x", "start", "end?"],
    doc: "flatten(x, start, end = -1): merges axes start..end (inclusive) into one (torch.flatten)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of flatten");
      if (!x) return undefined;
      const s = axisOf(a.start, x.dims.length, 0);
      const e = axisOf(a.end, x.dims.length, -1);
      if (s < 0 || e >= x.dims.length || s > e) return c.fail("E0305", c.callSpan, "flatten axes out of range", { found: typeText(x) });
      const merged = x.dims.slice(s, e + 1).reduce((p, d) => p.mul(d), Sym.const(1));
      return tensor([...x.dims.slice(0, s), merged, ...x.dims.slice(e + 1)], x.ids);
    },
  },
  transpose: {
    params: ["x", "a", "b"],
    doc: "transpose(x, a, b): swaps two axes",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of transpose", 2);
      if (!x) return undefined;
      const i = axisOf(a.a, x.dims.length, 0);
      const j = axisOf(a.b, x.dims.length, 1);
      if (i >= x.dims.length || j >= x.dims.length || i < 0 || j < 0) return c.fail("E0305", c.callSpan, "transpose axis out of range", { found: typeText(x) });
      const dims = [...x.dims];
      [dims[i], dims[j]] = [dims[j]!, dims[i]!];
      return tensor(dims, x.ids);
    },
  },
  select: {
    params: ["x", "axis", "index"],
    doc: "select(x, axis, index): the slice at `index`, dropping `axis`",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of select", 1);
      if (!x) return undefined;
      const ax = axisOf(a.axis, x.dims.length, 0);
      if (!axisInRange(ax, x.dims.length)) return c.fail("E0305", c.callSpan, "select axis out of range", { found: typeText(x) });
      return tensor(x.dims.filter((_, i) => i !== ax), x.ids);
    },
  },
  flatten_tokens: {
    params: ["x"],
    doc: "flatten_tokens(x: [B, T, d]) -> [B*T, d] (batch-major rows)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of flatten_tokens", 2);
      if (!x) return undefined;
      const r = x.dims.length;
      return tensor([x.dims.slice(0, r - 1).reduce((p, d) => p.mul(d), Sym.const(1)), x.dims[r - 1]!], x.ids);
    },
  },
  zeros_like: {
    params: ["x"],
    doc: "zeros_like(x): zeros of x's shape and kind (token ids stay ids), e.g. the default of an optional input",
    infer: (a, c) => asTensor(a.x, c, "the argument of zeros_like"),
  },
  position_ids: {
    params: ["ids"],
    doc: "position_ids(ids: ids[B, T]) -> ids[B, T]: absolute positions (continuing after the KV cache)",
    infer: (a, c) => {
      const x = asTensor(a.ids, c, "the input of position_ids");
      return x ? tensor(x.dims, true) : undefined;
    },
  },
  linear: {
    params: ["x", "weight", "bias?"],
    doc: "linear(x: [.., in], weight: [out, in], bias?: [out]) -> [.., out]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of linear");
      const w = asTensor(a.weight, c, "the weight of linear", 2);
      if (!x || !w) return undefined;
      c.sameDim(x.dims[x.dims.length - 1]!, w.dims[1]!, a.x!.expr.span, "E0303", "input features (the weight's second dimension)");
      return tensor([...x.dims.slice(0, -1), w.dims[0]!]);
    },
  },
  moe: {
    params: ["x", "logits", "experts"],
    keywords: { top_k: "scalar", order: "scalar", normalize: "scalar" },
    defaults: { order: "softmax_topk", normalize: true },
    doc: "moe(x: [.., d], logits: [.., E], experts, top_k, order = \"softmax_topk\" | \"topk_softmax\", normalize) -> [.., d]",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of moe");
      const l = asTensor(a.logits, c, "the router logits of moe");
      if (!x || !l) return undefined;
      if (a.experts && a.experts.type.kind !== "modlist") return c.fail("E0201", a.experts.expr.span, "experts must be a list of modules", { found: typeText(a.experts.type) });
      x.dims.slice(0, -1).forEach((d, i) => c.sameDim(d, l.dims[i] ?? Sym.const(1), a.logits!.expr.span, "E0301", `token dimension ${i} of the router logits`));
      return x;
    },
  },
  causal_conv: {
    params: ["x", "conv"],
    stateful: true,
    doc: "causal_conv(x: [B, T, Cin], conv) -> [B, T, Cout]: `conv` (a Conv2d with kernel (K, 1)) over the time axis, zero-padded on the left so that token t sees tokens t-K+1..t; decoding carries the last K-1 inputs",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of causal_conv", 2);
      if (!x || !a.conv) return undefined;
      const m = a.conv.type;
      const v = m.kind === "module" && m.variants.length === 1 ? m.variants[0] : undefined;
      if (!v || v.kind !== "primitive" || v.primitive.name !== "Conv2d") return c.fail("E0201", a.conv.expr.span, "causal_conv applies a Conv2d submodule", { found: typeText(m) });
      const cin = v.args.get("in_channels")?.sym;
      const cout = v.args.get("out_channels")?.sym;
      if (cin) c.sameDim(cin, x.dims[x.dims.length - 1]!, a.x!.expr.span, "E0303", "input channels of the convolution");
      return tensor([...x.dims.slice(0, -1), cout ?? Sym.atom("?")]);
    },
  },
  segment_ids: {
    params: ["ids", "boundary"],
    stateful: true,
    doc: "segment_ids(ids: ids[B, T], boundary) -> ids[B, T]: how many `boundary` tokens (end of document) precede each position, counting the cached ones; boundary = null gives one segment",
    infer: (a, c) => {
      const x = asTensor(a.ids, c, "the input of segment_ids", 2);
      return x ? tensor(x.dims, true) : undefined;
    },
  },
};
// Looked up by names from .arch files: `toString` or `constructor` must find nothing.
Object.setPrototypeOf(ops, null);

export function opSignature(name: string): string {
  return ops[name]?.doc ?? name;
}
