// Semantic diff of two models: hyperparameters aligned by meaning, blocks aligned by path
// and, where names differ, by role (the same parent and the same kind of ops), then every
// op attribute, leaf module, parameter shape and statistic compared. diff(A, A) is empty
// and diff(B, A) is the mirror image of diff(A, B).
import type { BlockFact, ModelFacts, OpFact } from "./facts.js";

export interface HyperChange {
  key: string;
  name: string;
  a: string;
  b: string;
}

export interface AttributeChange {
  block: string;
  op: string;
  index: number;
  attr: string;
  a: string;
  b: string;
}

export interface StructureChange {
  path: string;
  change: "added" | "removed" | "changed" | "renamed";
  a?: string;
  b?: string;
}

export interface ShapeChange {
  tensor: string;
  a: string;
  b: string;
}

export interface StatChange {
  stat: "params" | "flopsPerToken" | "kvCacheBytesPerToken";
  a: number;
  b: number;
  delta: number;
}

export interface DiffReport {
  a: { label: string; arch: string; preset?: string };
  b: { label: string; arch: string; preset?: string };
  hyperparameters: HyperChange[];
  attributes: AttributeChange[];
  structure: StructureChange[];
  shapes: ShapeChange[];
  stats: StatChange[];
}

const ABSENT = "absent";

export function isEmpty(r: DiffReport): boolean {
  return r.hyperparameters.length + r.attributes.length + r.structure.length + r.shapes.length + r.stats.length === 0;
}

const opText = (o: OpFact) => {
  const attrs = Object.entries(o.attrs).map(([k, v]) => `${k}=${v}`).join(", ");
  return `op ${o.op}${attrs ? `(${attrs})` : ""}`;
};

const leafPath = (block: string, leaf: string) => (block === "(root)" ? leaf : `${block}.${leaf}`);

function parentOf(role: string): string {
  const i = role.lastIndexOf(".");
  return i < 0 ? "" : role.slice(0, i);
}

// Ops that say what a block is for (their definition's `diff.anchor`): two blocks under the
// same parent that both route experts (or both attend) play the same role even when their
// names and helpers differ.
function sameRole(a: BlockFact, b: BlockFact): boolean {
  if (opSignature(a) === opSignature(b)) return true;
  const opsB = new Set(b.ops.map((o) => o.op));
  return a.ops.some((o) => o.anchor && opsB.has(o.op));
}

function opSignature(b: BlockFact): string {
  return b.ops.map((o) => o.op).sort().join(",");
}

/** Pairs blocks: same role first, then the same parent with the same ops (a renamed submodule). */
function alignBlocks(a: ModelFacts, b: ModelFacts): { pairs: [BlockFact, BlockFact][]; onlyA: BlockFact[]; onlyB: BlockFact[] } {
  const pairs: [BlockFact, BlockFact][] = [];
  const restA: BlockFact[] = [];
  const usedB = new Set<string>();
  for (const [role, fa] of a.blocks) {
    const fb = b.blocks.get(role);
    if (fb) {
      pairs.push([fa, fb]);
      usedB.add(role);
    } else restA.push(fa);
  }
  let restB = [...b.blocks.values()].filter((f) => !usedB.has(f.role));
  // Only unambiguous pairs: the one candidate on each side, so that the pairing does not
  // depend on which model is A.
  const matches = (fa: BlockFact, fb: BlockFact) => parentOf(fb.role) === parentOf(fa.role) && fa.ops.length > 0 && sameRole(fa, fb);
  const onlyA: BlockFact[] = [];
  const pairedB = new Set<BlockFact>();
  for (const fa of restA) {
    const cands = restB.filter((fb) => matches(fa, fb));
    const fb = cands[0];
    if (cands.length === 1 && fb && restA.filter((x) => matches(x, fb)).length === 1) {
      pairs.push([fa, fb]);
      pairedB.add(fb);
    } else onlyA.push(fa);
  }
  restB = restB.filter((fb) => !pairedB.has(fb));
  // Renamed and reworked at once (Mixtral's block_sparse_moe, Qwen2-MoE's mlp with a shared
  // expert): the one block left on each side under a parent, when they share an op.
  const loneUnder = (fs: BlockFact[], parent: string) => fs.filter((f) => parentOf(f.role) === parent);
  const shareOp = (fa: BlockFact, fb: BlockFact) => fa.ops.some((o) => fb.ops.some((p) => p.op === o.op));
  for (const fa of [...onlyA]) {
    const as = loneUnder(onlyA, parentOf(fa.role));
    const bs = loneUnder(restB, parentOf(fa.role));
    if (as.length === 1 && bs.length === 1 && shareOp(fa, bs[0]!)) {
      pairs.push([fa, bs[0]!]);
      onlyA.splice(onlyA.indexOf(fa), 1);
      restB = restB.filter((fb) => fb !== bs[0]);
    }
  }
  return { pairs, onlyA, onlyB: restB };
}

export function diffFacts(a: ModelFacts, b: ModelFacts): DiffReport {
  const report: DiffReport = {
    a: { label: a.label, arch: a.arch, ...(a.preset ? { preset: a.preset } : {}) },
    b: { label: b.label, arch: b.arch, ...(b.preset ? { preset: b.preset } : {}) },
    hyperparameters: [],
    attributes: [],
    structure: [],
    shapes: [],
    stats: [],
  };
  for (const key of new Set([...a.hyper.keys(), ...b.hyper.keys()])) {
    const ha = a.hyper.get(key);
    const hb = b.hyper.get(key);
    const va = ha?.value ?? ABSENT;
    const vb = hb?.value ?? ABSENT;
    // A knob one model lacks and the other leaves at "none" is not a difference.
    if (va === vb || (va === ABSENT && vb === "none") || (vb === ABSENT && va === "none")) continue;
    const name = ha && hb && ha.name !== hb.name ? `${ha.name} ~ ${hb.name}` : (ha?.name ?? hb!.name);
    report.hyperparameters.push({ key, name, a: va, b: vb });
  }
  const { pairs, onlyA, onlyB } = alignBlocks(a, b);
  for (const [fa, fb] of pairs) {
    const block = fa.role === fb.role ? fa.role : `${fa.role} ~ ${fb.role}`;
    if (fa.role !== fb.role) report.structure.push({ path: parentOf(fa.role) || "(root)", change: "renamed", a: fa.role, b: fb.role });
    const opsB = new Map(fb.ops.map((o) => [`${o.op}#${o.index}`, o]));
    const seen = new Set<string>();
    for (const oa of fa.ops) {
      const k = `${oa.op}#${oa.index}`;
      seen.add(k);
      const ob = opsB.get(k);
      if (!ob) {
        report.structure.push({ path: block, change: "removed", a: opText(oa) });
        continue;
      }
      for (const attr of new Set([...Object.keys(oa.attrs), ...Object.keys(ob.attrs)])) {
        const va = oa.attrs[attr] ?? "default";
        const vb = ob.attrs[attr] ?? "default";
        if (va !== vb) report.attributes.push({ block, op: oa.op, index: oa.index, attr, a: va, b: vb });
      }
    }
    for (const ob of fb.ops) if (!seen.has(`${ob.op}#${ob.index}`)) report.structure.push({ path: block, change: "added", b: opText(ob) });
    const leafNames = new Set([...Object.keys(fa.leaves), ...Object.keys(fb.leaves)]);
    const removed: string[] = [];
    const added: string[] = [];
    for (const n of leafNames) {
      const la = fa.leaves[n];
      const lb = fb.leaves[n];
      if (la && !lb) removed.push(n);
      else if (!la && lb) added.push(n);
      else if (la !== lb) report.structure.push({ path: leafPath(block, n), change: "changed", a: la!, b: lb! });
    }
    if (removed.length && added.length) {
      report.structure.push({
        path: block,
        change: "renamed",
        a: removed.map((n) => `${n}: ${fa.leaves[n]}`).join("; "),
        b: added.map((n) => `${n}: ${fb.leaves[n]}`).join("; "),
      });
    } else {
      for (const n of removed) report.structure.push({ path: leafPath(block, n), change: "removed", a: fa.leaves[n]! });
      for (const n of added) report.structure.push({ path: leafPath(block, n), change: "added", b: fb.leaves[n]! });
    }
  }
  for (const f of onlyA) report.structure.push({ path: f.role, change: "removed", a: f.className });
  for (const f of onlyB) report.structure.push({ path: f.role, change: "added", b: f.className });
  for (const t of new Set([...a.tensors.keys(), ...b.tensors.keys()])) {
    const sa = a.tensors.get(t);
    const sb = b.tensors.get(t);
    if (sa && sb && sa !== sb) report.shapes.push({ tensor: t, a: sa, b: sb });
  }
  const tiedA = a.ties.length > 0 ? a.ties.join("; ") : "untied";
  const tiedB = b.ties.length > 0 ? b.ties.join("; ") : "untied";
  if (tiedA !== tiedB) report.structure.push({ path: "(weights)", change: "changed", a: `tied: ${tiedA}`, b: `tied: ${tiedB}` });
  for (const stat of ["params", "flopsPerToken", "kvCacheBytesPerToken"] as const) {
    const va = a.stats[stat];
    const vb = b.stats[stat];
    if (va !== vb) report.stats.push({ stat, a: va, b: vb, delta: vb - va });
  }
  return sortReport(report);
}

// A canonical order, independent of which side came first.
function sortReport(r: DiffReport): DiffReport {
  const by = <T>(key: (x: T) => string) => (x: T, y: T) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0);
  r.hyperparameters.sort(by((h) => h.key));
  r.attributes.sort(by((x) => `${x.block}\u0000${x.op}\u0000${x.index}\u0000${x.attr}`));
  r.structure.sort(by((x) => `${x.path}\u0000${x.change}\u0000${x.a ?? ""}${x.b ?? ""}`));
  r.shapes.sort(by((x) => x.tensor));
  return r;
}

const swapPair = (s: string) => (s.includes(" ~ ") ? s.split(" ~ ").reverse().join(" ~ ") : s);

/** diff(B, A) from diff(A, B): sides swapped, added ↔ removed. */
export function mirror(r: DiffReport): DiffReport {
  const swapChange = (c: StructureChange): StructureChange => {
    const change = c.change === "added" ? "removed" : c.change === "removed" ? "added" : c.change;
    return { path: c.path, change, ...(c.b !== undefined ? { a: c.b } : {}), ...(c.a !== undefined ? { b: c.a } : {}) };
  };
  return sortReport({
    a: r.b,
    b: r.a,
    hyperparameters: r.hyperparameters.map((h) => ({ ...h, name: swapPair(h.name), a: h.b, b: h.a })),
    attributes: r.attributes.map((x) => ({ ...x, block: swapPair(x.block), a: x.b, b: x.a })),
    structure: r.structure.map((c) => ({ ...swapChange(c), path: swapPair(c.path) })),
    shapes: r.shapes.map((s) => ({ ...s, a: s.b, b: s.a })),
    stats: r.stats.map((s) => ({ ...s, a: s.b, b: s.a, delta: -s.delta })),
  });
}
