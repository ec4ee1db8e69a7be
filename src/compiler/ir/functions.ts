// Functions of tensor expressions (`let mix(x, prev, m) = x * m + prev * (1.0 - m)`) are
// expanded where a forward body calls them: each call becomes the function's body with the
// arguments in place of the parameters, and is then checked, generated and diffed like any
// expression written out. They are not modules: nothing of them is printed or loaded.
import type * as A from "../ast/nodes.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { ArchIR, BlockIR, FunctionIR } from "./model.js";

const MAX_DEPTH = 32;

export function expandFunctions(ir: ArchIR, diagnostics: Diagnostic[]): ArchIR {
  if (ir.functions.size === 0) return ir;
  const blocks = new Map<string, BlockIR>();
  for (const [name, b] of ir.blocks) blocks.set(name, b.forward ? expandBlock(ir, b, diagnostics) : b);
  return { ...ir, blocks };
}

function expandBlock(ir: ArchIR, b: BlockIR, diagnostics: Diagnostic[]): BlockIR {
  // A submodule, a block parameter or a local of the same name is what the body means by it.
  const own = new Set([...b.submodules.map((s) => s.name), ...b.params.map((p) => p.name), ...b.forward!.params.map((p) => p.name), ...boundNames(b.forward!.body)]);
  const fns = new Map([...ir.functions].filter(([n]) => !own.has(n)));
  if (fns.size === 0) return b;
  const expr = (e: A.Expr, depth: number): A.Expr => expandExpr(e, fns, depth, diagnostics);
  const stmt = (s: A.Stmt): A.Stmt => {
    switch (s.kind) {
      case "let":
      case "assign":
        return { ...s, value: expr(s.value, 0) };
      case "return":
        return { ...s, values: s.values.map((v) => expr(v, 0)) };
      case "emit":
        return { ...s, ...(s.index ? { index: expr(s.index, 0) } : {}), value: expr(s.value, 0) };
      case "for":
        return { ...s, iter: expr(s.iter, 0), body: s.body.map(stmt) };
      case "if":
        return { ...s, cond: expr(s.cond, 0), then: s.then.map(stmt), ...(s.else ? { else: s.else.map(stmt) } : {}) };
    }
  };
  return { ...b, forward: { ...b.forward!, body: b.forward!.body.map(stmt) } };
}

function boundNames(stmts: readonly A.Stmt[], out = new Set<string>()): Set<string> {
  for (const s of stmts) {
    if (s.kind === "let") s.names.forEach((n) => out.add(n));
    if (s.kind === "for") {
      out.add(s.variable);
      boundNames(s.body, out);
    }
    if (s.kind === "if") {
      boundNames(s.then, out);
      if (s.else) boundNames(s.else, out);
    }
  }
  return out;
}

function expandExpr(e: A.Expr, fns: ReadonlyMap<string, FunctionIR>, depth: number, diagnostics: Diagnostic[]): A.Expr {
  const sub = (x: A.Expr): A.Expr => expandExpr(x, fns, depth, diagnostics);
  if (e.kind === "call" && e.callee.kind === "name" && fns.has(e.callee.name)) {
    const f = fns.get(e.callee.name)!;
    const args = e.args.map((a) => ({ ...a, value: sub(a.value) }));
    const problem = callProblem(f, args, e, depth);
    if (problem) {
      diagnostics.push(problem);
      return e;
    }
    const bound = new Map(f.params.map((p, i) => [p, args[i]!.value]));
    return expandExpr(substitute(f.body, bound), fns, depth + 1, diagnostics);
  }
  return mapChildren(e, sub);
}

function callProblem(f: FunctionIR, args: A.Arg[], call: A.Expr, depth: number): Diagnostic | undefined {
  if (depth >= MAX_DEPTH) return error("E0204", call.span, `function \`${f.name}\` calls itself (through ${MAX_DEPTH} expansions)`, { hint: "functions are expanded where they are called: they cannot recurse" });
  const keyword = args.find((a) => a.keyword);
  if (keyword) return error("E0110", keyword.span, `function \`${f.name}\` takes its arguments by position`, { expected: `${f.name}(${f.params.join(", ")})` });
  if (args.length !== f.params.length) {
    return error("E0111", call.span, `function \`${f.name}\` takes ${f.params.length} argument${f.params.length === 1 ? "" : "s"}, but ${args.length} ${args.length === 1 ? "was" : "were"} given`, {
      expected: `${f.name}(${f.params.join(", ")})`,
    });
  }
  // An argument is written into the body once per use of its parameter: a call in it (an op
  // with state, a module) would run that many times.
  const computed = args.find((a) => containsCall(a.value));
  if (computed) {
    return error("E0201", computed.value.span, `an argument of function \`${f.name}\` calls an operation or module`, {
      hint: "bind it to a local first (`let h = …`) and pass the local",
    });
  }
  return undefined;
}

function containsCall(e: A.Expr): boolean {
  let found = e.kind === "call";
  mapChildren(e, (x) => {
    found ||= containsCall(x);
    return x;
  });
  return found;
}

/** The function body with each parameter replaced by (a copy of) its argument. */
function substitute(e: A.Expr, bound: ReadonlyMap<string, A.Expr>): A.Expr {
  if (e.kind === "name" && bound.has(e.name)) return copy(bound.get(e.name)!);
  if (e.kind === "comprehension") return { ...e, iter: substitute(e.iter, bound), item: substitute(e.item, new Map([...bound].filter(([n]) => n !== e.variable))) };
  return mapChildren(e, (x) => substitute(x, bound));
}

// Fresh nodes: the checker annotates each occurrence on its own.
const copy = (e: A.Expr): A.Expr => mapChildren(e, copy);

/** A shallow copy of `e` with `f` applied to each sub-expression (call arguments included). */
function mapChildren(e: A.Expr, f: (x: A.Expr) => A.Expr): A.Expr {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "span" || !v || typeof v !== "object") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.map((x) => (x && typeof x === "object" && "kind" in x ? f(x as A.Expr) : x && typeof x === "object" && "value" in x ? { ...x, value: f((x as A.Arg).value) } : x));
    else if ("kind" in v) out[k] = f(v as A.Expr);
    else out[k] = v;
  }
  return out as unknown as A.Expr;
}
