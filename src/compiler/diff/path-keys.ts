// How the diff names a module path across list items: every index becomes `*` (all layers
// alike: `model.layers.*.self_attn`) except the index of an item of a list written out item
// by item with items of different kinds, where each index names a different module. T5's `layer` list holds self-attention, (cross-attention,)
// and the MLP as `layer.0`, `layer.1`, `layer.2`: keyed `block.*.layer.0`, `block.*.layer.1`,
// each can have a role of its own.
import type { Instance } from "../elaborate/instance.js";
import { walkInstances } from "../elaborate/instance.js";

const isIndex = (s: string) => s === "*" || /^\d+$/.test(s);

/** What a module is, for telling the items of a list apart. */
const kindOf = (i: Instance) => i.block?.name ?? i.primitive?.name ?? i.className;

/** The key function of one model's module tree; it also accepts keys (indices already `*`). */
export function pathKeys(root: Instance): (path: string) => string {
  const mixed = new Set<string>();
  const key = (path: string): string => {
    const out: string[] = [];
    for (const s of path ? path.split(".") : []) out.push(isIndex(s) && !mixed.has(out.join(".")) ? "*" : s);
    return out.join(".");
  };
  // Outer lists first (walk order), so that an inner list's own path is already a key. A
  // comprehension (`[Layer for i in 0..n]`, or dense layers then MoE layers) stays a list of
  // layers alike however its items differ.
  for (const inst of walkInstances(root)) {
    for (const c of inst.children) {
      if (c.kind !== "list" || c.children.length < 2) continue;
      const decl = inst.block?.submodules.find((sm) => sm.name === c.name);
      const first = c.children[0]!;
      if (decl?.module.kind === "list" && c.children.some((x) => kindOf(x) !== kindOf(first))) mixed.add(key(c.path));
    }
  }
  return key;
}
