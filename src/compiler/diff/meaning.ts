// Hyperparameters aligned by meaning, not by config.json key: two parameters mean the same
// when they read a common config key or carry the same name, and a derived value (`let`)
// stands for a parameter of the same name on the other side (Falcon derives `head_dim`,
// Llama reads it). One row per concept, and only when the values differ.
import type { ElaboratedModel } from "../elaborate/instance.js";
import { formatValue } from "../eval/evaluate.js";
import type { Value } from "../ir/model.js";
import { cosmeticNames } from "./facts.js";

export interface Concept {
  name: string;
  /** config.json keys it is read from (none for a derived value). */
  keys: string[];
  value: string;
  derived: boolean;
}

const show = (v: Value | undefined) => (v === undefined || v === null ? "none" : formatValue(v));

export function conceptsOf(m: ElaboratedModel): Concept[] {
  const arch = m.config.arch;
  const cosmetic = cosmeticNames(arch);
  const out: Concept[] = [];
  for (const p of arch.params.values()) if (!cosmetic.has(p.name)) out.push({ name: p.name, keys: p.hfKeys.map((k) => k.join(".")), value: show(m.config.values.get(p.name)), derived: false });
  for (const l of arch.lets.values()) {
    const v = m.config.values.get(l.name);
    // Only plain values: a derived list or string is a means, not a hyperparameter.
    if (!cosmetic.has(l.name) && (typeof v === "number" || typeof v === "boolean")) out.push({ name: l.name, keys: [], value: show(v), derived: true });
  }
  return out;
}

export interface ConceptPair {
  a: Concept;
  b: Concept;
}

/**
 * Pairs concepts: first parameters that read a common config key, then anything of the
 * same name (never two derived values: those follow from the parameters already compared).
 * Each step takes only unambiguous pairs, so the pairing does not depend on which model is A.
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
  step((a, b) => a.name === b.name && !(a.derived && b.derived));
  return pairs;
}

/** The config key a row is filed under: a common key, else the smaller of the two first keys, else the name (the same for either order). */
export function rowKey(p: ConceptPair): string {
  const common = p.a.keys.filter((k) => p.b.keys.includes(k));
  if (common.length) return common.sort()[0]!;
  const firsts = [p.a.keys[0], p.b.keys[0]].filter((k): k is string => k !== undefined).sort();
  return firsts[0] ?? p.a.name;
}
