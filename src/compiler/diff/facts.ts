// The facts a semantic diff compares, read off one elaborated model: hyperparameters keyed by
// meaning (their config.json key when they have one), every op call of every block with its
// evaluated attributes, the module structure with parameter shapes, and the stats.
import type * as A from "../ast/nodes.js";
import { binariesIn, callsIn } from "../resolved/walk.js";
import type { ElaboratedModel } from "../elaborate/instance.js";
import { walkInstances } from "../elaborate/instance.js";
import { chainScopes, evaluate, formatValue, mapScope } from "../eval/evaluate.js";
import { exprText } from "../ast/expr-text.js";
import type { ArchIR, Value } from "../ir/model.js";
import { resolvedArch } from "../pipeline.js";
import { opCallsOf, resolvedBlockOf } from "../ops/bound-call.js";
import { paramName, type OpDef } from "../ops/op-def.js";
import type { PrimitiveRole } from "../ir/primitives.js";
import type { Sym } from "../shapes/sym.js";
import { computeStats, type ModelStats } from "../stats/stats.js";
import { executedBody } from "./executed.js";
import { pathKeys } from "./path-keys.js";

export interface HyperFact {
  key: string; // semantic key: the config.json key, else the name
  name: string;
  value: string;
}

export interface OpFact {
  op: string;
  index: number; // n-th call of this op in the block
  attrs: Record<string, string>;
  /** The op says what its block is for (attention, expert routing, a recurrence): set only then. */
  anchor?: true;
}

export interface BlockFact {
  role: string; // its path key: list indices as `*` (model.layers.*.self_attn)
  className: string;
  ops: OpFact[];
  /** Leaf modules by name. */
  leaves: Record<string, LeafFact>;
}

/** A leaf module as its primitive's hooks describe it. */
export interface LeafFact {
  /** What it is without its sizes: "Linear(bias)", "RMSNorm(eps 1e-05)". */
  text: string;
  role?: PrimitiveRole;
  /** What it sets besides its kind (a norm's eps): all that is compared where the layer's aspects name the kind. */
  settings: string;
}

/** A size an executed op call gives a meaning (its definition's `diff.meanings`), in the block instance at `path`. */
export interface OpSize {
  meaning: string;
  sym: Sym;
  path: string;
}

/** A block of fused expert tensors an executed op routes to, and the op's size that counts the experts (both in the block instance at `path`). */
export interface FusedExperts {
  block: string;
  count: Sym;
  path: string;
}

export interface ModelFacts {
  label: string;
  arch: string;
  preset?: string;
  hyper: Map<string, HyperFact>;
  blocks: Map<string, BlockFact>;
  tensors: Map<string, string>; // role-path of parameter → shape
  /** Path key of a module's weight → its sizes by the parameters that set them ("in_features 768, out_features 3072"), where its primitive declares them. */
  tensorSizes: Map<string, string>;
  ties: string[];
  stats: ModelStats;
  opSizes: OpSize[];
  fusedExperts: FusedExperts[];
}

/** Names used only to print class names or reprs: renaming them changes nothing that runs. */
export function cosmeticNames(arch: ArchIR): Set<string> {
  const used = new Set<string>();
  const addExpr = (e: A.Expr | undefined): void => {
    if (!e) return;
    if (e.kind === "name") used.add(e.name);
    for (const [k, v] of Object.entries(e)) {
      if (k === "span") continue;
      if (v && typeof v === "object") {
        if ("kind" in v) addExpr(v as A.Expr);
        else if (Array.isArray(v)) v.forEach((x) => x && typeof x === "object" && ("kind" in x ? addExpr(x as A.Expr) : "value" in x && addExpr((x as A.Arg).value)));
      }
    }
  };
  const addStmts = (ss: A.Stmt[]): void => {
    for (const s of ss) {
      if (s.kind === "let" || s.kind === "assign" || s.kind === "emit") addExpr(s.value);
      if (s.kind === "emit") addExpr(s.index);
      if (s.kind === "return") s.values.forEach(addExpr);
      if (s.kind === "for") {
        addExpr(s.iter);
        addStmts(s.body);
      }
      if (s.kind === "if") {
        addExpr(s.cond);
        addStmts(s.then);
        addStmts(s.else ?? []);
      }
    }
  };
  for (const b of arch.blocks.values()) {
    addExpr(b.alias);
    for (const sm of b.submodules) {
      addExpr(sm.module);
      addExpr(sm.cond);
    }
    for (const t of b.ties) addExpr(t.cond);
    for (const p of b.params) addExpr(p.default);
    if (b.forward) {
      addStmts(b.forward.body);
      for (const f of b.forward.params) f.type.dims.forEach(addExpr);
      b.forward.result?.dims.forEach(addExpr);
    }
  }
  for (const r of arch.requires) addExpr(r.cond);
  // Values that feed used values are used too.
  let grew = true;
  while (grew) {
    grew = false;
    for (const l of arch.lets.values()) {
      if (!used.has(l.name)) continue;
      const before = used.size;
      addExpr(l.value);
      if (used.size > before) grew = true;
    }
    for (const p of arch.params.values()) {
      if (!used.has(p.name)) continue;
      const before = used.size;
      addExpr(p.default);
      if (used.size > before) grew = true;
    }
  }
  const out = new Set<string>();
  for (const n of [...arch.params.keys(), ...arch.lets.keys()]) if (!used.has(n)) out.add(n);
  return out;
}

function show(v: Value | undefined): string {
  if (v === undefined || v === null) return "none";
  return formatValue(v);
}

// Spelling out a default is no difference: a left-out keyword reads as its default.
function normalizeDefaults(op: OpDef, attrs: Record<string, string>): void {
  for (const [k, v] of Object.entries(op.defaults ?? {})) attrs[k] ??= show(v);
  op.diff.normalize?.(attrs);
}

/** Two facts of one block that differ only in which modules they hold, not in what the shared ones are or in their ops. */
function differsOnlyInModules(x: BlockFact, y: BlockFact): boolean {
  if (x.className !== y.className || JSON.stringify(x.ops) !== JSON.stringify(y.ops)) return false;
  return Object.entries(x.leaves).every(([n, l]) => !(n in y.leaves) || JSON.stringify(l) === JSON.stringify(y.leaves[n]));
}

export function extractFacts(m: ElaboratedModel, label: string): ModelFacts {
  const arch = m.config.arch;
  const cosmetic = cosmeticNames(arch);
  const hyper = new Map<string, HyperFact>();
  for (const p of arch.params.values()) {
    if (cosmetic.has(p.name)) continue;
    const key = p.hfKeys[0]?.join(".") ?? p.name;
    hyper.set(key, { key, name: p.name, value: show(m.config.values.get(p.name)) });
  }
  const resolved = resolvedArch(arch);
  const blocks = new Map<string, BlockFact>();
  const opSizes: OpSize[] = [];
  const fusedExperts: FusedExperts[] = [];
  const keyOf = pathKeys(m.root);
  const tensors = new Map<string, string>();
  const tensorSizes = new Map<string, string>();
  for (const inst of walkInstances(m.root)) {
    for (const w of inst.weights) {
      tensors.set(keyOf(w.name), `[${w.shape.join(", ")}]`);
      // The sizes by what they size (Linear's weight is out × in, Conv1D's in × out): a shape that is another's transposed layout is no difference.
      const dims = inst.primitive?.weightDims?.[w.name.slice(inst.path.length + 1)];
      if (dims) tensorSizes.set(keyOf(w.name), dims.map((d, i) => `${d} ${w.shape[i]}`).sort().join(", "));
    }
    if (inst.kind !== "block" || !inst.block) continue;
    const role = keyOf(inst.path) || "(root)";
    const leaves: Record<string, LeafFact> = {};
    for (const c of inst.children) if (c.kind === "primitive") leaves[c.name] = c.primitive ? { text: c.primitive.diffText(c.args), role: c.primitive.diff.role, settings: c.primitive.diff.settings(c.args) } : { text: c.className, settings: "" };
    const ops: OpFact[] = [];
    const counts = new Map<string, number>();
    const scope = chainScopes(mapScope(inst.args as Record<string, Value>), mapScope(m.config.values));
    // Only the branches this configuration runs: no rope under ALiBi.
    const forward = resolvedBlockOf(resolved, inst)?.forward;
    const body = forward ? executedBody(forward.body, scope) : [];
    const executed = new Map(callsIn(body).map((c) => [c.syntax, c]));
    for (const call of opCallsOf({ resolved, config: m.config.values, instance: inst })) {
      const written = executed.get(call.expr);
      if (!written) continue;
      const op = call.def.name;
      const meanings = call.def.diff.meanings?.(call) ?? {};
      for (const [meaning, sym] of Object.entries(meanings)) if (sym) opSizes.push({ meaning, sym, path: inst.path });
      const fused = call.def.diff.fusedExperts?.(call);
      const count = fused && meanings[fused.count];
      if (fused && count) fusedExperts.push({ block: fused.block.path, count, path: inst.path });
      const index = counts.get(op) ?? 0;
      counts.set(op, index + 1);
      const attrs: Record<string, string> = {};
      // Positional arguments that are numbers change the computation too (split sizes, unflatten sizes).
      for (const p of call.def.params.map(paramName)) {
        const t = call.type(p);
        const v = call.arg(p) && (!t || t.kind === "scalar") ? call.value(p) : undefined;
        if (typeof v === "number" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number"))) attrs[p] = show(v);
      }
      for (const a of written.args) {
        if (!a.keyword) continue;
        const t = a.value.type;
        if (t && t.kind !== "scalar") {
          attrs[a.keyword] = exprText(a.value.syntax);
          continue;
        }
        try {
          attrs[a.keyword] = show(evaluate(a.value.syntax, scope));
        } catch {
          attrs[a.keyword] = exprText(a.value.syntax);
        }
      }
      for (const [k, v] of Object.entries(call.def.diff.attrs?.(call) ?? {})) attrs[k] = show(v);
      normalizeDefaults(call.def, attrs);
      ops.push({ op, index, attrs, ...(call.def.diff.anchor ? { anchor: true } : {}) });
    }
    // Multiplying a tensor by a config value (embedding scale, logit scale, residual scale) is
    // as much a part of the architecture as an op call.
    let scales = 0;
    for (const e of binariesIn(body)) {
      if (e.op !== "*" && e.op !== "/") continue;
      const lt = e.left.type;
      const rt = e.right.type;
      const scalarSide = lt?.kind === "tensor" && rt?.kind === "scalar" ? e.right : rt?.kind === "tensor" && lt?.kind === "scalar" && e.op === "*" ? e.left : undefined;
      if (!scalarSide) continue;
      let by: string;
      try {
        const v = evaluate(scalarSide.syntax, scope);
        by = typeof v === "number" ? show(e.op === "/" ? 1 / v : v) : show(v);
      } catch {
        by = `${e.op === "/" ? "1 / " : ""}${exprText(scalarSide.syntax)}`;
      }
      // Multiplying by 1 (a rescale this configuration turns off) computes nothing.
      if (by !== "1") ops.push({ op: "scale", index: scales++, attrs: { by } });
    }
    const fact: BlockFact = { role, className: inst.className, ops, leaves };
    const first = blocks.get(role);
    // Per-layer variation (alternating windows, layer-wise widths): a layer that differs from
    // the first of its list is its own entry, under its concrete path.
    // A layer that only lacks or adds modules (T5's later layers lack the first one's
    // relative-position table) is the `layer variation` aspect's (anatomy.ts), stated once.
    if (!first) blocks.set(role, fact);
    else if (JSON.stringify({ ...first, role: "" }) !== JSON.stringify({ ...fact, role: "" }) && !differsOnlyInModules(first, fact)) blocks.set(inst.path, { ...fact, role: inst.path });
  }
  return {
    label,
    arch: arch.name,
    ...(m.config.preset ? { preset: m.config.preset } : {}),
    hyper,
    blocks,
    tensors,
    tensorSizes,
    ties: m.ties.map((t) => `${t.target} = ${t.source}`),
    stats: computeStats(m),
    opSizes,
    fusedExperts,
  };
}
