// Where each config value flows in one model, as symbolic sizes of named places: the
// quantities an op's `diff.meanings` hook names (attention's `kv heads`), the arguments of
// every primitive module that has a role (by its role path, `layers.*.attention.q.bias`, and,
// less specifically, by its primitive's role, `norm.eps`), and the length of every module
// list with a role (`layers.count`). A hyperparameter whose symbol is exactly such a place means that quantity,
// whatever the model calls it or reads it from: Falcon's `kv` and Llama's `kv_heads` both
// size attention's key/value heads.
import type * as A from "../ast/nodes.js";
import { ConfigSymbols } from "../check/config-symbols.js";
import { toSym } from "../check/symbolic.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import type { Sym } from "../shapes/sym.js";
import type { FusedExperts, OpSize } from "./facts.js";
import type { Anatomy } from "./anatomy-types.js";

/**
 * A place a value flows into: what it means, the symbolic value there, and how specific the
 * place is: 0 a quantity an op names, 1 a module's role path, 2 only the kind of module
 * (the norms' eps wherever they sit).
 */
export interface Slot {
  meaning: string;
  sym: Sym;
  rank: 0 | 1 | 2;
}

/** The first expression inside `e` (itself included, through choices and lists) that `pick` accepts. */
function findExpr(e: A.Expr, pick: (x: A.Expr) => boolean): A.Expr | undefined {
  if (pick(e)) return e;
  if (e.kind === "if") return findExpr(e.then, pick) ?? findExpr(e.else, pick);
  if (e.kind === "comprehension") return findExpr(e.item, pick);
  if (e.kind !== "list") return undefined;
  for (const it of e.items) {
    const hit = findExpr(it, pick);
    if (hit) return hit;
  }
  return undefined;
}

/** Arguments bound to parameter names: positional in order, then keywords. */
function bind(params: readonly string[], args: readonly A.Arg[]): Map<string, A.Expr> {
  const out = new Map<string, A.Expr>();
  let next = 0;
  for (const a of args) {
    const name = a.keyword ?? params[next++];
    if (name !== undefined) out.set(name, a.value);
  }
  return out;
}

type Env = ReadonlyMap<string, Sym>;

/** The meaning of an MLP's hidden width (each expert's in a mixture), however the model lays the MLP out. */
export const MLP_WIDTH = "MLP hidden size";

/**
 * The quantities a report names in words rather than by a module's argument, each with the
 * places that show it, most telling first: a model's hidden size is the width of the residual
 * stream its final norm normalises, else of a norm on the layer's input, else its token
 * embedding's width. The first place a model has is the quantity, at rank 0, so a row reads
 * `meaning: hidden size`, not `final_norm.dim`.
 */
const TELLING: { meaning: string; from: RegExp[] }[] = [
  { meaning: "hidden size", from: [/^final_norm\.dim$/, /^layers\.\*\.(input_norm|attention_norm|shared_norm)\.dim$/, /^token_embedding\.embedding_dim$/] },
  { meaning: "vocabulary size", from: [/^token_embedding\.num_embeddings$/, /^head\.out_features$/] },
];

export function valueSlots(m: ElaboratedModel, anatomy: Pick<Anatomy, "roles" | "keyOf">, opSizes: readonly OpSize[], fusedExperts: readonly FusedExperts[] = []): Slot[] {
  const { roles, keyOf } = anatomy;
  const configSym = new ConfigSymbols(m.config.arch).sym;
  const out: Slot[] = [];
  /** Each block instance's parameters as symbols of config names. */
  const envs = new Map<string, Env>();
  const symOf = (e: A.Expr, env: Env) => toSym(e, (n) => env.get(n) ?? configSym(n));
  const add = (meaning: string, sym: Sym | undefined, rank: Slot["rank"]) => {
    // A constant is no hyperparameter's meaning.
    if (sym && !sym.isConst()) out.push({ meaning, sym, rank });
  };

  const visitBlock = (inst: Instance, env: Env) => {
    envs.set(inst.path, env);
    for (const c of inst.children) {
      const sm = inst.block?.submodules.find((s) => s.name === c.name);
      if (sm) visitChild(sm.module, c, env);
    }
  };

  const visitChild = (e: A.Expr, c: Instance, env: Env): void => {
    if (c.kind === "list") {
      const list = findExpr(e, (x) => x.kind === "list" || x.kind === "comprehension");
      if (!list || (list.kind !== "list" && list.kind !== "comprehension")) return;
      const role = roles.get(keyOf(c.path));
      if (role && list.kind === "comprehension" && list.iter.kind === "range") {
        const [from, to] = [symOf(list.iter.from, env), symOf(list.iter.to, env)];
        if (from && to) add(`${role}.count`, to.sub(from), 1);
      }
      // The loop variable is no config value: an item's arguments that use it size nothing here.
      const itemEnv = list.kind === "comprehension" ? new Map([...env].filter(([k]) => k !== list.variable)) : env;
      c.children.forEach((item, i) => {
        const itemExpr = list.kind === "comprehension" ? list.item : list.items[i];
        if (itemExpr) visitChild(itemExpr, item, itemEnv);
      });
      return;
    }
    // The declaration's call of this module (an alias block's instance is its primitive, under the block's name).
    const target = c.block?.name ?? c.primitive?.name;
    const call = findExpr(e, (x) => (x.kind === "call" && x.callee.kind === "name" && x.callee.name === target) || (x.kind === "name" && x.name === target));
    if (!call) return;
    const args = call.kind === "call" ? call.args : [];
    if (c.block) {
      const bound = bind(c.block.params.map((p) => p.name), args);
      const inner = new Map<string, Sym>();
      for (const p of c.block.params) {
        const given = bound.get(p.name);
        const s = given ? symOf(given, env) : p.default ? symOf(p.default, new Map()) : undefined;
        if (s) inner.set(p.name, s);
      }
      if (c.block.alias) primitiveSlots(c, c.block.alias.kind === "call" ? c.block.alias.args : [], inner);
      else visitBlock(c, inner);
    } else primitiveSlots(c, args, env);
  };

  const primitiveSlots = (c: Instance, args: readonly A.Arg[], env: Env) => {
    const p = c.primitive;
    if (!p) return;
    // A module without a role (T5's relative-position table) says too little of what its sizes are,
    // except a bare tensor of a fused-experts block (DBRX's w1: every expert's rows stacked).
    const role = roles.get(keyOf(c.path));
    if (!role) {
      const owner = fusedExperts.find((f) => c.path.startsWith(`${f.block}.`));
      const shape = bind(p.params.map((x) => x.name), args).get(p.params[0]?.name ?? "");
      if (owner && p.diff.role === "tensor" && shape?.kind === "list") fused.push({ owner, dims: shape.items.map((x) => symOf(x, env)) });
      return;
    }
    const sizes = new Set(p.params.filter((x) => x.type === "int" || x.type === "int[]").map((x) => x.name));
    for (const [param, expr] of bind(p.params.map((x) => x.name), args)) {
      const s = symOf(expr, env);
      add(`${role}.${param}`, s, 1);
      // The MLP's hidden width (each expert's, for a mixture) is its down projection's input, whatever the MLP's shape.
      if (param === p.diff.input && /(^|\.)mlp(\.experts\.\*)?\.down$/.test(role)) add(MLP_WIDTH, s, 0);
      // By kind only a setting (a norm's eps, a projection's bias): every projection has in and out sizes of many meanings.
      if (!sizes.has(param)) add(`${p.diff.role}.${param}`, s, 2);
    }
  };

  const fused: { owner: FusedExperts; dims: (Sym | undefined)[] }[] = [];
  const rootEnv = new Map<string, Sym>();
  for (const p of m.root.block?.params ?? []) {
    const s = p.default ? symOf(p.default, new Map()) : undefined;
    if (s) rootEnv.set(p.name, s);
  }
  visitBlock(m.root, rootEnv);
  // An op's sizes are written in its block's parameters: those become the config values passed in.
  for (const o of opSizes) add(o.meaning, o.sym.substitute(envs.get(o.path) ?? new Map()), 0);
  for (const t of TELLING) {
    const place = t.from.map((re) => out.find((x) => x.rank === 1 && re.test(x.meaning))).find((x) => x !== undefined);
    if (place) add(t.meaning, place.sym, 0);
  }
  // A fused expert tensor stacks every expert's rows: a dimension that is the expert count (the
  // routing op's `fusedExperts` hook names it) times a size is each expert's MLP width.
  for (const t of fused) {
    const count = t.owner.count.substitute(envs.get(t.owner.path) ?? new Map());
    if (count.isConst()) continue;
    for (const d of t.dims) {
      const each = d?.div(count);
      if (d && each && !each.symbols().some((x) => count.symbols().includes(x)) && !each.toString().includes("/")) add(MLP_WIDTH, each, 0);
    }
  }
  return out;
}
