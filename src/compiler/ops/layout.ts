// Ops that move or regroup elements without computing anything: splitting, joining,
// reshaping, swapping and selecting axes.
import { orDefault } from "../export/torch/lowering.js";
import { Sym } from "../shapes/sym.js";
import { tensor, typeText, type TensorT } from "../check/types.js";
import { asTensor, axisInRange, axisOf, listItems, product, scalarSym } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type OpDef } from "./op-def.js";
import { chunkOnnx, concatOnnx, flattenOnnx, flattenTokensOnnx, reshapeOnnx, selectOnnx, splitOnnx, transposeOnnx, unflattenOnnx, zerosLikeOnnx } from "../export/onnx/lowerings/shape.js";

export const layoutOps: OpDef[] = [
  {
    name: "split",
    params: ["x", "sizes", "axis?"],
    doc: "split(x, [a, b, …], axis = -1) -> (x_a, x_b, …)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of split");
      if (!x || !a.sizes) return undefined;
      const sizesExpr = a.sizes.expr;
      if (sizesExpr.kind !== "list") return c.fail("E0201", sizesExpr.span, "split sizes must be a list literal `[a, b, …]`");
      const ax = axisOf(a.axis, x.dims.length, -1);
      if (!axisInRange(ax, x.dims.length)) return c.fail("E0305", c.callSpan, "split axis out of range", { found: typeText(x) });
      const syms = (listItems(a.sizes) ?? []).map((p) => p.sym);
      if (syms.some((s) => !s)) return c.fail("E0201", sizesExpr.span, "split sizes must be integer config expressions");
      const total = syms.reduce<Sym>((acc, s) => acc.add(s!), Sym.const(0));
      c.sameDim(x.dims[ax]!, total, sizesExpr.span, "E0304", "sum of the split sizes (must equal the split dimension)");
      return { kind: "tuple", items: syms.map((s) => tensor(x.dims.map((d, i) => (i === ax ? s! : d)), x.ids)) };
    },
    runtime: "split",
    torch: { inline: (a) => `torch.split(${a.x}, ${a.sizes}, dim=${orDefault(a.axis, "-1")})` },
    onnx: splitOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "chunk",
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
    runtime: "chunk",
    torch: { inline: (a) => `torch.chunk(${a.x}, ${a.n}, dim=${orDefault(a.axis, "-1")})` },
    onnx: chunkOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "concat",
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
    runtime: "concat",
    torch: { inline: (a, rest) => `torch.cat([${[a.x!, ...rest].join(", ")}], dim=${orDefault(a.axis, "-1")})` },
    onnx: concatOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "reshape",
    params: ["x", "shape"],
    doc: "reshape(x, [d1, d2, …]): same number of elements",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of reshape");
      const items = listItems(a.shape);
      if (!x || !a.shape) return undefined;
      if (!items || items.some((i) => !i.sym)) return c.fail("E0201", a.shape.expr.span, "reshape needs a list of integer config expressions");
      const dims = items.map((i) => i.sym!);
      c.sameDim(product(x.dims), product(dims), a.shape.expr.span, "E0304", "number of elements after reshape");
      return tensor(dims, x.ids);
    },
    runtime: "reshape",
    torch: { inline: (a) => `${a.x}.reshape(${a.shape})` },
    onnx: reshapeOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "unflatten",
    params: ["x", "axis", "sizes"],
    doc: "unflatten(x, axis, [a, b, …]): splits one axis into several (torch.unflatten); a·b·… must equal its size",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of unflatten");
      if (!x || !a.sizes) return undefined;
      const items = listItems(a.sizes);
      if (a.sizes.expr.kind !== "list" || !items || items.some((i) => !i.sym)) return c.fail("E0201", a.sizes.expr.span, "unflatten sizes must be a list of integer config expressions");
      const ax = axisOf(a.axis, x.dims.length, -1);
      if (ax < 0 || ax >= x.dims.length) return c.fail("E0305", c.callSpan, "unflatten axis out of range", { found: typeText(x) });
      const sizes = items.map((i) => i.sym!);
      c.sameDim(x.dims[ax]!, product(sizes), a.sizes.expr.span, "E0304", "product of the unflatten sizes (must equal the unflattened dimension)");
      return tensor([...x.dims.slice(0, ax), ...sizes, ...x.dims.slice(ax + 1)], x.ids);
    },
    runtime: "unflatten",
    torch: { inline: (a) => `${a.x}.unflatten(${a.axis}, ${a.sizes})` },
    onnx: unflattenOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "flatten",
    params: ["x", "start", "end?"],
    doc: "flatten(x, start, end = -1): merges axes start..end (inclusive) into one (torch.flatten)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of flatten");
      if (!x) return undefined;
      const s = axisOf(a.start, x.dims.length, 0);
      const e = axisOf(a.end, x.dims.length, -1);
      if (s < 0 || e >= x.dims.length || s > e) return c.fail("E0305", c.callSpan, "flatten axes out of range", { found: typeText(x) });
      return tensor([...x.dims.slice(0, s), product(x.dims.slice(s, e + 1)), ...x.dims.slice(e + 1)], x.ids);
    },
    runtime: "flatten",
    torch: { inline: (a) => `${a.x}.flatten(${a.start}, ${orDefault(a.end, "-1")})` },
    onnx: flattenOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "transpose",
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
    runtime: "transpose",
    torch: { inline: (a) => `${a.x}.transpose(${a.a}, ${a.b})` },
    onnx: transposeOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "select",
    params: ["x", "axis", "index"],
    doc: "select(x, axis, index): the slice at `index`, dropping `axis`",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of select", 1);
      if (!x) return undefined;
      const ax = axisOf(a.axis, x.dims.length, 0);
      if (!axisInRange(ax, x.dims.length)) return c.fail("E0305", c.callSpan, "select axis out of range", { found: typeText(x) });
      return tensor(x.dims.filter((_, i) => i !== ax), x.ids);
    },
    runtime: "select",
    torch: { inline: (a) => `${a.x}.select(${a.axis}, ${a.index})` },
    onnx: selectOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "flatten_tokens",
    params: ["x"],
    doc: "flatten_tokens(x: [B, T, d]) -> [B*T, d] (batch-major rows)",
    infer: (a, c) => {
      const x = asTensor(a.x, c, "the input of flatten_tokens", 2);
      if (!x) return undefined;
      const r = x.dims.length;
      return tensor([product(x.dims.slice(0, r - 1)), x.dims[r - 1]!], x.ids);
    },
    runtime: "flatten_tokens",
    torch: { inline: (a) => `${a.x}.reshape(-1, ${a.x}.shape[-1])` },
    onnx: flattenTokensOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "zeros_like",
    params: ["x"],
    doc: "zeros_like(x): zeros of x's shape and kind (token ids stay ids), e.g. the default of an optional input",
    infer: (a, c) => asTensor(a.x, c, "the argument of zeros_like"),
    runtime: "zeros_like",
    torch: { inline: (a) => `torch.zeros_like(${a.x})` },
    onnx: zerosLikeOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
