// Forward bodies → ONNX nodes: the same resolved IR the TypeScript codegen reads
// (codegen/forward.ts), walked for one concrete configuration. Config values and control
// flow are decided here, at export time (loops over layers unroll, `if`s on config pick a
// branch); tensors become graph values; each op call goes to its op's ONNX lowering and
// each submodule call to its primitive's lowering or into its block's forward.
import type * as A from "../../ast/nodes.js";
import { fusedExperts } from "../../ops/moe.js";
import type { BinaryExpr, CallExpr, ResolvedArch, ResolvedExpr, ResolvedStmt } from "../../resolved/nodes.js";
import { DiagnosticError, error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Instance } from "../../elaborate/instance.js";
import { evaluate, EvalError, type Scope } from "../../eval/evaluate.js";
import type { ArchIR, Value } from "../../ir/model.js";
import type { GraphBuilder } from "./graph.js";
import { DynDim, isTensor, type Dim, type GraphIO, type Lowered, type LoweringContext, type TensorVal } from "./lowering.js";
import { binary, matmul, shapeDim, unary, withScalar } from "./tensors.js";
import { BATCH } from "./io.js";
import type { ElemType } from "./proto.js";

/** A located reason the export cannot go on (an op without a lowering, an argument ONNX cannot express). */
export class ExportError extends DiagnosticError {
  constructor(readonly diagnostic: Diagnostic) {
    super([diagnostic]);
  }
}

export interface ForwardLoweringOptions {
  arch: ArchIR;
  resolved: ResolvedArch;
  config: ReadonlyMap<string, Value>;
  g: GraphBuilder;
  io: GraphIO;
  /** The initializer of a weight by its full state-dict name (ties resolved). */
  weight(name: string, dims: number[]): string;
  /** Encoder-decoder: the encoder's graph, where the root's `once(...)` is evaluated. */
  encoder?: { g: GraphBuilder; io: GraphIO; enter(): void; leave(): void };
}

type Env = Map<string, Lowered>;

/** Thrown through `evaluate` when a config expression reads a run-time dim (B, T). */
class NeedsGraph extends Error {}

const where = (s: A.Span) => `${s.file}:${s.line}:${s.col}`;

export class ForwardLowering {
  /** Tensors the model emits (`hidden_states.0`, `router_logits.1`, …), in emission order, with the graph they are in. */
  readonly emitted = new Map<string, { value: TensorVal; graph: GraphBuilder }>();
  private readonly counters = new Map<string, number>();
  /** The graph being built and its inputs/outputs (the encoder's while inside the root's `once`). */
  private g: GraphBuilder;
  private io: GraphIO;
  private root: Instance | undefined;

  constructor(private readonly o: ForwardLoweringOptions) {
    this.g = o.g;
    this.io = o.io;
  }

  /** The root's `once(x)` of an encoder-decoder: x built in the encoder graph, read by the decoder as `encoder_hidden_states`. */
  private split(value: () => Lowered, span: A.Span): Lowered {
    const enc = this.o.encoder!;
    const [g, io] = [this.g, this.io];
    [this.g, this.io] = [enc.g, enc.io];
    enc.enter();
    let v: Lowered;
    try {
      v = value();
    } finally {
      [this.g, this.io] = [g, io];
      enc.leave();
    }
    if (!isTensor(v) || v.dims.length !== 3 || typeof v.dims[2] !== "number") {
      throw new ExportError(error("E0652", span, "an encoder-decoder's `once(...)` at its root must be the encoder output [B, S, d]"));
    }
    enc.g.output("last_hidden_state", v.name, "float32", [BATCH, "encoder_sequence_length", v.dims[2]]);
    const name = g.input("encoder_hidden_states", "float32", [BATCH, "encoder_sequence_length", v.dims[2]]);
    return { kind: "tensor", name, elem: "float32", dims: [shapeDim(name, 0, BATCH), shapeDim(name, 1, "encoder_sequence_length"), v.dims[2]] };
  }

  context(span: A.Span, site: string, inst?: Instance): LoweringContext {
    const g = this.g;
    return {
      g,
      io: this.io,
      ...(this.o.encoder && inst && inst === this.root && g === this.o.g ? { split: (value: () => Lowered) => this.split(value, span) } : {}),
      span,
      site,
      tensor: (name: string, elem: ElemType, dims: (Dim | null)[]) => ({ kind: "tensor", name, elem, dims: dims.map((d, i) => d ?? shapeDim(name, i, `${name}[${i}]`)) }),
      moduleWeight: (m: Instance, name: string) => {
        const w = m.weights.find((x) => x.name === `${m.path}.${name}`);
        return w ? { kind: "tensor", name: this.o.weight(w.name, w.shape), elem: "float32", dims: w.shape } : undefined;
      },
      unsupported: (what: string): never => {
        throw new ExportError(error("E0652", span, `${what} cannot be exported to ONNX yet`, { hint: "the bundled runtime runs it; see docs/onnx.md for what the ONNX export covers" }));
      },
    };
  }

  /** Runs the forward of block instance `inst` on `args`; returns its result. */
  callBlock(inst: Instance, args: Lowered[]): Lowered {
    this.root ??= inst;
    const b = inst.block!;
    const rb = this.o.resolved.blocks.get(b.name);
    const f = rb?.syntax === b ? rb.forward : undefined;
    if (!f) throw new ExportError(error("E0402", b.nameSpan, `block \`${b.name}\` has no forward`));
    const env: Env = new Map();
    f.params.forEach(({ formal: p }, i) => env.set(p.name, args[i]));
    for (const { formal: p, default: d } of f.params) if (env.get(p.name) === undefined && d) env.set(p.name, this.expr(d, inst, env));
    // Free dims of the inputs (`B`, `T` in `x: [B, T, d]`), for reshape sizes.
    for (const { formal: p } of f.params) {
      const t = env.get(p.name);
      if (!isTensor(t)) continue;
      p.type.dims.forEach((d, j) => {
        if (d.kind !== "name" || env.has(d.name) || this.o.arch.params.has(d.name) || this.o.arch.lets.has(d.name) || d.name in inst.args) return;
        if (t.dims[j] !== undefined) env.set(d.name, t.dims[j]);
      });
    }
    try {
      for (const s of f.body) this.stmt(s, inst, env);
    } catch (e) {
      if (e instanceof Returned) return e.value;
      throw e;
    }
    return undefined;
  }

  private stmt(s: ResolvedStmt, inst: Instance, env: Env): void {
    switch (s.kind) {
      case "let":
      case "assign": {
        const v = this.expr(s.value, inst, env);
        if (s.names.length === 1) {
          const name = s.names[0]!;
          env.set(name, isTensor(v) ? { ...v, name: this.g.rename(v.name, name) } : v);
        } else {
          const items = Array.isArray(v) ? v : [];
          s.names.forEach((n, i) => env.set(n, items[i]));
        }
        return;
      }
      case "return":
        throw new Returned(s.values.length === 1 ? this.expr(s.values[0]!, inst, env) : s.values.map((v) => this.expr(v, inst, env)));
      case "emit": {
        const v = this.expr(s.value, inst, env);
        const idx = s.index ? Number(this.expr(s.index, inst, env)) : undefined;
        const i = idx ?? this.counters.get(s.name) ?? 0;
        this.counters.set(s.name, i + 1);
        if (isTensor(v)) this.emitted.set(`${s.name}.${i}`, { value: v, graph: this.g });
        return;
      }
      case "for": {
        const iter = this.expr(s.iter, inst, env);
        const items: Lowered[] = isInstance(iter) ? iter.children : Array.isArray(iter) ? iter : [];
        for (const item of items) {
          env.set(s.variable, item);
          for (const b of s.body) this.stmt(b, inst, env);
        }
        return;
      }
      case "if": {
        const cond = this.expr(s.cond, inst, env);
        const body = cond === true ? s.then : s.else ?? [];
        for (const b of body) this.stmt(b, inst, env);
        return;
      }
    }
  }

  /** A scope for `evaluate`: locals holding plain values, the block's arguments, the config. */
  private scope(inst: Instance, env: Env): Scope {
    return (name) => {
      if (env.has(name)) {
        const v = env.get(name);
        if (v instanceof DynDim || isTensor(v) || isInstance(v)) throw new NeedsGraph();
        return v as Value;
      }
      if (name in inst.args) return inst.args[name];
      return this.o.config.get(name);
    };
  }

  expr(e: ResolvedExpr, inst: Instance, env: Env): Lowered {
    // Config-level values (sizes, flags, strings) are computed now, when nothing needs the graph.
    if (e.type?.kind === "scalar" && e.kind !== "call") {
      try {
        return evaluate(e.syntax, this.scope(inst, env));
      } catch (err) {
        if (!(err instanceof NeedsGraph) && !(err instanceof EvalError)) throw err;
      }
    }
    switch (e.kind) {
      case "num":
      case "str":
      case "bool":
      case "null":
        return evaluate(e.syntax, () => undefined);
      case "name": {
        const res = e.binding;
        if (res?.kind === "submodule") {
          const child = inst.children.find((c) => c.name === e.name);
          // A bare parameter (Param) used as a value is its tensor.
          if (child?.kind === "primitive" && child.primitive?.apply.kind === "value") return this.applyModule(child, [], e.span, inst);
          return child;
        }
        if (res?.kind === "blockParam") return inst.args[e.name];
        if (env.has(e.name)) return env.get(e.name);
        if (e.name in inst.args) return inst.args[e.name];
        return this.o.config.get(e.name);
      }
      case "list":
        return e.items.map((i) => this.expr(i, inst, env));
      case "unary": {
        const v = this.expr(e.operand, inst, env);
        if (isTensor(v)) return unary(this.context(e.span, ""), "Neg", v);
        if (v instanceof DynDim) return this.dimArith("-", 0, v);
        return e.op === "!" ? !v : -(v as number);
      }
      case "binary": {
        const l = this.expr(e.left, inst, env);
        const r = this.expr(e.right, inst, env);
        return this.binaryOp(e, l, r);
      }
      case "if":
        return this.expr(e.cond, inst, env) === true ? this.expr(e.then, inst, env) : this.expr(e.else, inst, env);
      case "index": {
        const t = this.expr(e.target, inst, env);
        const i = Number(this.expr(e.index, inst, env));
        if (isInstance(t)) return t.children[i < 0 ? t.children.length + i : i];
        if (Array.isArray(t)) return t[i < 0 ? t.length + i : i];
        return undefined;
      }
      case "member": {
        const t = this.expr(e.target, inst, env);
        if (!isInstance(t)) return undefined;
        // A primitive's parameter read as a tensor (`transformer.token_embeddings.weight`).
        const w = t.kind === "primitive" ? t.weights.find((x) => x.name === `${t.path}.${e.name}`) : undefined;
        if (w) return { kind: "tensor", name: this.o.weight(w.name, w.shape), elem: "float32", dims: w.shape };
        return t.children.find((c) => c.name === e.name);
      }
      case "range":
        return evaluate(e.syntax, this.scope(inst, env));
      case "call":
        return this.call(e, inst, env);
      case "comprehension":
        return undefined;
    }
  }

  private binaryOp(e: BinaryExpr, l: Lowered, r: Lowered): Lowered {
    const c = this.context(e.span, "");
    const op = ({ "+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "**": "Pow" } as const)[e.op as "+"];
    if (isTensor(l) || isTensor(r)) {
      this.g.location = where(e.span);
      if (e.op === "@" && isTensor(l) && isTensor(r)) return matmul(c, l, r);
      if (!op) return c.unsupported(`the operator \`${e.op}\` on tensors`);
      if (isTensor(l) && isTensor(r)) return binary(c, op, l, r);
      if (isTensor(l) && typeof r === "number") return withScalar(c, op, l, r);
      if (isTensor(r) && typeof l === "number") return withScalar(c, op, r, l, true);
      return c.unsupported(`\`${e.op}\` between a tensor and a run-time size`);
    }
    if (l instanceof DynDim || r instanceof DynDim) return this.dimArith(e.op, l as Dim, r as Dim);
    return evaluate({ ...e.syntax, left: literal(l as Value, e.left.span), right: literal(r as Value, e.right.span) }, () => undefined);
  }

  /** Arithmetic on sizes known only at run time (B * T): int64 nodes. */
  private dimArith(op: string, l: Dim, r: Dim): Dim {
    const onnxOp = ({ "+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "//": "Div" } as Record<string, string>)[op];
    if (!onnxOp) throw new Error(`size arithmetic ${op}`);
    return new DynDim((g) => g.op(onnxOp, [typeof l === "number" ? g.i64([l]) : l.value(g), typeof r === "number" ? g.i64([r]) : r.value(g)]), `(${op})`);
  }

  private call(e: CallExpr, inst: Instance, env: Env): Lowered {
    const res = e.target;
    if (res?.kind === "builtin") return evaluate(e.syntax, this.scope(inst, env));
    if (res?.kind === "module") {
      const target = this.expr(e.callee, inst, env);
      const args = e.args.map((a) => this.expr(a.value, inst, env));
      if (!isInstance(target)) return undefined;
      return this.applyModule(target, args, e.span, inst);
    }
    const name = e.callee.kind === "name" ? e.callee.name : "";
    const op = res?.def;
    const lowering = op?.onnx;
    if (!res || !op || !lowering) {
      throw new ExportError(
        error("E0651", e.span, `\`${name}\` has no ONNX lowering`, { hint: `add an \`onnx\` lowering to the definition of \`${name}\`; until then this model runs only on the bundled runtime` }),
      );
    }
    // Arguments are lowered in the order the call wrote them (graph nodes keep that order); a
    // lazy op's are computed when (and where) its lowering asks.
    const lowered = new Map<ResolvedExpr, Lowered>(e.args.map((a) => [a.value, op.lazy ? () => this.argValue(a.value, inst, env) : this.argValue(a.value, inst, env)]));
    const args: Record<string, Lowered> = {};
    for (const [k, a] of res.args) args[k] = a.kind === "written" ? lowered.get(a.expr) : a.value;
    const rest = res.rest.map((x) => lowered.get(x));
    const site = `${inst.path}#${res.site}`;
    this.g.location = `${where(e.span)} ${name}`;
    return this.g.within(name, () => lowering(this.context(e.span, site, inst), args, rest));
  }

  /**
   * A module list passed to an op (moe's experts) becomes a function applying item i; a
   * fused-experts block, one applying its forward to (rows, i).
   */
  private argValue(e: ResolvedExpr, inst: Instance, env: Env): Lowered {
    const t = e.type;
    const v = this.expr(e, inst, env);
    if (t && fusedExperts(t) && isInstance(v)) {
      return { kind: "modules", apply: (i: number, x: TensorVal) => this.applyModule(v, [x, i], e.span, inst) as TensorVal };
    }
    if (t?.kind === "modlist" && isInstance(v)) {
      const list = v;
      if (list.children.every((ch) => ch.kind === "primitive" && ch.primitive?.apply.kind === "value")) {
        return list.children.map((ch) => this.applyModule(ch, [], e.span, inst));
      }
      return { kind: "modules", count: list.children.length, apply: (i: number, x: TensorVal) => this.applyModule(list.children[i]!, [x], e.span, inst) as TensorVal };
    }
    return v;
  }

  /** A submodule call: its primitive's lowering, or its block's forward inlined. */
  applyModule(target: Instance, args: Lowered[], span: A.Span, caller: Instance): Lowered {
    const rel = caller.path && target.path.startsWith(`${caller.path}.`) ? target.path.slice(caller.path.length + 1) : target.path;
    return this.g.within(rel, () => {
      if (target.kind === "primitive" && target.primitive) {
        const p = target.primitive;
        const lowering = p.onnx;
        const at = target.span ?? span;
        if (!lowering) {
          throw new ExportError(error("E0651", at, `primitive \`${p.name}\` (\`${target.path}\`) has no ONNX lowering`, { hint: `add an \`onnx\` lowering to the primitive \`${p.name}\`` }));
        }
        this.g.location = `${where(at)} ${target.path} (${p.name})`;
        const weights = new Map(p.weights(target.args).map((w) => [w.name, w.shape]));
        const c = this.context(at, target.path);
        const x = args[0];
        if (p.apply.kind !== "value" && !isTensor(x)) return c.unsupported(`calling ${p.name} on a non-tensor`);
        return lowering(
          c,
          {
            path: target.path,
            args: target.args,
            hasWeight: (n) => weights.has(n),
            weight: (n) => {
              const dims = weights.get(n)!;
              const full = n ? `${target.path}.${n}` : target.path;
              return { kind: "tensor", name: this.o.weight(full, dims), elem: "float32", dims };
            },
          },
          x as TensorVal,
        );
      }
      return this.callBlock(target, args);
    });
  }
}

class Returned {
  constructor(readonly value: Lowered) {}
}

function isInstance(v: unknown): v is Instance {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "children" in v && "path" in v && "kind" in v && (v as { kind: string }).kind !== "tensor";
}

function literal(v: Value, span: A.Span): A.Expr {
  if (v === null || v === undefined) return { kind: "null", span };
  if (typeof v === "number") return { kind: "num", value: v, isFloat: !Number.isInteger(v), span };
  if (typeof v === "string") return { kind: "str", value: v, span };
  if (typeof v === "boolean") return { kind: "bool", value: v, span };
  return { kind: "list", items: v.map((x) => literal(x, span)), span };
}
