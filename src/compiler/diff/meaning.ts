// Hyperparameters aligned by meaning, not by config.json key. Two values are one concept when
// they read a common config key; else when they flow into the same place of the checked
// model (value-flows.ts: attention's key/value heads, the token embedding's width, the layer
// list's length, a norm's eps), whatever each model calls them; else when they carry the
// same name and their places do not tell them apart. A derived value (`let`) stands for the other model's
// parameter of the same meaning (Falcon derives `kv` from multi_query, Llama reads `kv_heads`). One row per
// concept, and only when the values differ.
import type { ElaboratedModel } from "../elaborate/instance.js";
import { ConfigSymbols } from "../check/config-symbols.js";
import { formatValue } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";
import type { Sym } from "../shapes/sym.js";
import { cosmeticNames } from "./facts.js";
import type { Slot } from "./value-flows.js";

export interface Concept {
  name: string;
  /** config.json keys it is read from (none for a derived value). */
  keys: string[];
  value: string;
  derived: boolean;
  /** The places it flows into (value-flows.ts), each with how specific it is (0 most). */
  meanings: { meaning: string; rank: number }[];
}

const show = (v: Value | undefined) => (v === undefined || v === null ? "none" : formatValue(v));

export function conceptsOf(m: ElaboratedModel, slots: readonly Slot[]): Concept[] {
  const arch = m.config.arch;
  const cosmetic = cosmeticNames(arch);
  const configSym = new ConfigSymbols(arch).sym;
  const meaningsOf = (name: string) => {
    const sym: Sym | undefined = configSym(name);
    const seen = new Map<string, number>();
    for (const s of slots) if (sym && s.sym.equals(sym)) seen.set(s.meaning, s.rank);
    return [...seen].map(([meaning, rank]) => ({ meaning, rank }));
  };
  const out: Concept[] = [];
  for (const p of arch.params.values()) if (!cosmetic.has(p.name)) out.push({ name: p.name, keys: p.hfKeys.map((k) => k.join(".")), value: show(m.config.values.get(p.name)), derived: false, meanings: meaningsOf(p.name) });
  for (const l of arch.lets.values()) {
    const v = m.config.values.get(l.name);
    // Only plain values: a derived list or string is a means, not a hyperparameter.
    if (!cosmetic.has(l.name) && (typeof v === "number" || typeof v === "boolean")) out.push({ name: l.name, keys: [], value: show(v), derived: true, meanings: meaningsOf(l.name) });
  }
  return out;
}

export interface ConceptPair {
  a: Concept;
  b: Concept;
  /** The place both flow into, when that is what paired them. */
  meaning?: string;
}

/**
 * Pairs concepts: first parameters that read a common config key, then values that flow into
 * the same place (the quantities ops name, then module role paths, then mere kinds of
 * module, each in sorted order), then values of the same name. Never two derived values: those follow from the
 * parameters already compared. Each step takes only unambiguous pairs, so the pairing does
 * not depend on which model is A.
 */
export function pairConcepts(as: Concept[], bs: Concept[]): ConceptPair[] {
  const pairs: ConceptPair[] = [];
  const used = new Set<Concept>();
  const step = (match: (a: Concept, b: Concept) => boolean) => {
    for (const a of as) {
      if (used.has(a)) continue;
      const cands = bs.filter((b) => !used.has(b) && match(a, b));
      const b = cands[0];
      if (cands.length !== 1 || !b || as.filter((x) => !used.has(x) && match(x, b)).length !== 1) continue;
      pairs.push({ a, b });
      used.add(a);
      used.add(b);
    }
  };
  step((a, b) => a.keys.some((k) => b.keys.includes(k)));
  // By meaning: for each place, the one value of each model that flows there (a parameter
  // before a let that merely renames it).
  const places = [...new Map([...as, ...bs].flatMap((c) => c.meanings.map((m) => [m.meaning, m.rank] as const)))].sort(([x, rx], [y, ry]) => (rx !== ry ? rx - ry : x < y ? -1 : x > y ? 1 : 0));
  const flowingTo = (cs: Concept[], place: string) => {
    const here = cs.filter((c) => !used.has(c) && c.meanings.some((m) => m.meaning === place));
    const params = here.filter((c) => !c.derived);
    return params.length ? params : here;
  };
  for (const [place] of places) {
    const [ca, cb] = [flowingTo(as, place), flowingTo(bs, place)];
    const [a, b] = [ca[0], cb[0]];
    if (ca.length !== 1 || cb.length !== 1 || !a || !b || (a.derived && b.derived)) continue;
    pairs.push({ a, b, meaning: place });
    used.add(a);
    used.add(b);
  }
  // A name pairs a derived value that flows somewhere only with a value that flows there too:
  // T5's `inner` (attention's width) is not GPT-2's `inner` (the MLP's, flowing nowhere directly).
  const shared = (a: Concept, b: Concept) => a.meanings.some((m) => b.meanings.some((n) => n.meaning === m.meaning));
  const compatible = (a: Concept, b: Concept) => ((!a.derived || a.meanings.length === 0) && (!b.derived || b.meanings.length === 0)) || shared(a, b);
  step((a, b) => a.name === b.name && !(a.derived && b.derived) && compatible(a, b));
  return pairs;
}

/** The config key a row is filed under: a common key, else the smaller of the two first keys, else the smaller name (the same for either order). */
export function rowKey(p: ConceptPair): string {
  const common = p.a.keys.filter((k) => p.b.keys.includes(k));
  if (common.length) return common.sort()[0]!;
  const firsts = [p.a.keys[0], p.b.keys[0]].filter((k): k is string => k !== undefined).sort();
  return firsts[0] ?? [p.a.name, p.b.name].sort()[0]!;
}
