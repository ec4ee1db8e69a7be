// Semantic diff of two models. Modules are aligned by the role their dataflow gives them
// (anatomy.ts), so Falcon's `transformer.h.*.self_attention` and Llama's
// `model.layers.*.self_attn` are one row, with both names listed once; hyperparameters by
// meaning (meaning.ts); the layers compared as aspects in words; then every op attribute,
// leaf module, parameter shape and statistic. diff(A, A) is empty and diff(B, A) is the
// mirror image of diff(A, B).
import type { Anatomy } from "./anatomy.js";
import type { BlockFact, LeafFact, ModelFacts, OpFact } from "./facts.js";
import { pairConcepts, rowKey, type Concept } from "./meaning.js";
import { opPhrase, opRole } from "./op-meaning.js";
import { RoleNames, type NameChange } from "./role-names.js";

export interface HyperChange {
  key: string;
  name: string;
  a: string;
  b: string;
  /** The config keys on each side when they differ ("derived" for a `let`). */
  keys?: { a: string; b: string };
  /** Where both values flow in their models, when that is what pairs them ("kv heads", "layers.count", "norm.eps"). */
  meaning?: string;
}

export type { NameChange } from "./role-names.js";

export interface LayerChange {
  aspect: string;
  a: string;
  b: string;
  /** The aspect in a few words, as the summary uses it. */
  shortA: string;
  shortB: string;
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
  names: NameChange[];
  layer: LayerChange[];
  hyperparameters: HyperChange[];
  attributes: AttributeChange[];
  structure: StructureChange[];
  shapes: ShapeChange[];
  stats: StatChange[];
  /** What B does differently from A, in clauses ("RMSNorm instead of LayerNorm"). */
  summary: string[];
}

export interface Side {
  facts: ModelFacts;
  anatomy: Anatomy;
  concepts: Concept[];
}

export function isEmpty(r: DiffReport): boolean {
  return r.names.length + r.layer.length + r.hyperparameters.length + r.attributes.length + r.structure.length + r.shapes.length + r.stats.length === 0;
}

const opText = (o: OpFact) => {
  const attrs = Object.entries(o.attrs).map(([k, v]) => `${k}=${v}`).join(", ");
  return `op ${o.op}${attrs ? `(${attrs})` : ""}`;
};

function parentOf(role: string): string {
  const i = role.lastIndexOf(".");
  return i < 0 ? "" : role.slice(0, i);
}

/** An op with a role (mixing, routing, positions, norm, activation) or a scale: what a block computes, beyond layout. */
const hasRole = (op: string) => op === "scale" || opRole(op) !== undefined;

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

/** Pairs blocks: the same role path first, then the same parent with the same ops (a renamed submodule). */
function alignBlocks(a: Map<string, BlockFact>, b: Map<string, BlockFact>): { pairs: [BlockFact, BlockFact][]; onlyA: BlockFact[]; onlyB: BlockFact[] } {
  const pairs: [BlockFact, BlockFact][] = [];
  const restA: BlockFact[] = [];
  const usedB = new Set<string>();
  for (const [role, fa] of a) {
    const fb = b.get(role);
    if (fb) {
      pairs.push([fa, fb]);
      usedB.add(role);
    } else restA.push(fa);
  }
  let restB = [...b.values()].filter((f) => !usedB.has(f.role));
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
  return { pairs, onlyA, onlyB: restB };
}

interface Leaf extends LeafFact {
  /** Its role comes from the dataflow (a projection, a norm by position, an embedding). */
  roled: boolean;
  /** Called by the executed forward or owning weights: a module that does something. */
  live: boolean;
  block: string;
}

function leavesOf(s: Side, names: RoleNames): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  for (const f of s.facts.blocks.values()) {
    for (const [n, leaf] of Object.entries(f.leaves)) {
      const concrete = f.role === "(root)" ? n : `${f.role}.${n}`;
      const canon = names.canon(concrete);
      const hasWeights = [...s.facts.tensors.keys()].some((t) => t.startsWith(`${concrete}.`));
      out.set(canon, { ...leaf, roled: s.anatomy.roles.has(concrete), live: hasWeights || s.anatomy.called.has(concrete), block: names.canon(f.role) });
    }
  }
  return out;
}

/** Modules whose kind a layer aspect names (every norm; the layer's nonlinearities): a pair of them differs only in their settings. */
const kindInAspects = (l: Leaf, path: string) => l.role === "norm" || (l.role === "activation" && inLayer(path));

/** A role path inside a layer of either stack, which the layer aspects describe. */
const inLayer = (path: string) => path.startsWith("layers.") || path.startsWith("decoder_layers.");

/** A block's ops gathered by region: the nearest enclosing block that has a role, so ops compare across differently nested helpers (BERT's attention.self). */
function opsByRegion(blocks: Map<string, BlockFact>, regions: Set<string>): Map<string, OpFact[]> {
  const out = new Map<string, OpFact[]>();
  const keys = [...blocks.keys()].sort();
  for (const k of keys) {
    let r = k;
    while (r && !regions.has(r) && r.includes(".")) r = parentOf(r);
    // A sublayer without a role path of its own (an item of T5's list of sublayers) is the
    // layer's attention or MLP by the ops it calls.
    const ops = blocks.get(k)!.ops;
    const byOps = r === "layers" && k.startsWith("layers.*.") ? (ops.some((o) => opRole(o.op) === "mixing") ? "layers.*.attention" : ops.some((o) => opRole(o.op) === "routing") ? "layers.*.mlp" : undefined) : undefined;
    const region = byOps ?? (regions.has(r) ? r : k);
    out.set(region, [...(out.get(region) ?? []), ...blocks.get(k)!.ops]);
  }
  for (const [k, ops] of out) {
    const counts = new Map<string, number>();
    out.set(
      k,
      ops.map((o) => {
        const index = counts.get(o.op) ?? 0;
        counts.set(o.op, index + 1);
        return { ...o, index };
      }),
    );
  }
  return out;
}

const layerAspects = ["residual", "norm placement", "norm", "positions", "qkv projection", "mlp", "mlp projection", "shared expert"];
/** The aspects in report order: the stacks, the (first) layer's, then an encoder-decoder's decoder layer's. */
const layerOrder = ["stacks", ...layerAspects, "layer variation", ...["residual", "norm placement", "qkv projection", "cross-attention qkv projection", "mlp", "shared expert", "layer variation"].map((x) => `decoder ${x}`)];

/** Both models' blocks, modules and tensors under role paths, and how a row names a path. */
interface Aligned {
  sa: Side;
  sb: Side;
  blocksA: Map<string, BlockFact>;
  blocksB: Map<string, BlockFact>;
  leavesA: Map<string, Leaf>;
  leavesB: Map<string, Leaf>;
  tensorsA: Map<string, string>;
  tensorsB: Map<string, string>;
  /** Weights' sizes by what they size, where known: equal ones are the same shape in another layout. */
  sizesA: Map<string, string>;
  sizesB: Map<string, string>;
  show(canon: string): string;
  tied(side: "a" | "b"): string;
}

function align(sa: Side, sb: Side): { al: Aligned; names: NameChange[] } {
  const na = new RoleNames(sa.anatomy.roles, sa.anatomy.keyOf);
  const nb = new RoleNames(sb.anatomy.roles, sb.anatomy.keyOf);
  // Every path is canonicalised before any is displayed: display reads both sides' names.
  const canonBlocks = (f: ModelFacts, n: RoleNames) => new Map([...f.blocks.values()].map((x) => [n.canon(x.role), { ...x, role: n.canon(x.role) }]));
  const canonTensors = (f: ModelFacts, n: RoleNames) => new Map([...f.tensors].map(([t, shape]) => [n.canon(t), shape]));
  const canonTies = (f: ModelFacts, n: RoleNames) => f.ties.map((t) => t.split(" = ").map((x) => n.canon(x)));
  const tiesA = canonTies(sa.facts, na);
  const tiesB = canonTies(sb.facts, nb);
  const al: Aligned = {
    sa,
    sb,
    blocksA: canonBlocks(sa.facts, na),
    blocksB: canonBlocks(sb.facts, nb),
    leavesA: leavesOf(sa, na),
    leavesB: leavesOf(sb, nb),
    tensorsA: canonTensors(sa.facts, na),
    tensorsB: canonTensors(sb.facts, nb),
    sizesA: new Map([...sa.facts.tensorSizes].map(([t, x]) => [na.canon(t), x])),
    sizesB: new Map([...sb.facts.tensorSizes].map(([t, x]) => [nb.canon(t), x])),
    show: (canon) => RoleNames.display(canon, na, nb),
    tied: (side) => {
      const ties = side === "a" ? tiesA : tiesB;
      return ties.length > 0 ? ties.map((t) => t.map(al.show).join(" = ")).sort().join("; ") : "untied";
    },
  };
  return { al, names: RoleNames.changes(na, nb) };
}

export function diffSides(sa: Side, sb: Side): DiffReport {
  const a = sa.facts;
  const b = sb.facts;
  const { al, names } = align(sa, sb);
  const report: DiffReport = {
    a: { label: a.label, arch: a.arch, ...(a.preset ? { preset: a.preset } : {}) },
    b: { label: b.label, arch: b.arch, ...(b.preset ? { preset: b.preset } : {}) },
    names,
    layer: layerRows(sa, sb),
    hyperparameters: hyperRows(sa, sb),
    attributes: [],
    structure: [],
    shapes: [],
    stats: [],
    summary: [],
  };
  opRows(al, report);
  blockRows(al, report);
  leafRows(al, report);
  for (const t of new Set([...al.tensorsA.keys(), ...al.tensorsB.keys()])) {
    const ta = al.tensorsA.get(t);
    const tb = al.tensorsB.get(t);
    const [sizesA, sizesB] = [al.sizesA.get(t), al.sizesB.get(t)];
    if (ta && tb && ta !== tb && !(sizesA !== undefined && sizesA === sizesB)) report.shapes.push({ tensor: al.show(t), a: ta, b: tb });
  }
  const [tiedA, tiedB] = [al.tied("a"), al.tied("b")];
  if (tiedA !== tiedB) report.structure.push({ path: "(weights)", change: "changed", a: `tied: ${tiedA}`, b: `tied: ${tiedB}` });
  for (const stat of ["params", "flopsPerToken", "kvCacheBytesPerToken"] as const) {
    const va = a.stats[stat];
    const vb = b.stats[stat];
    if (va !== vb) report.stats.push({ stat, a: va, b: vb, delta: vb - va });
  }
  return sortReport(report);
}

/** The layer aspects whose few words differ (the details may differ only in what other aspects report). */
function layerRows(sa: Side, sb: Side): LayerChange[] {
  const rows: LayerChange[] = [];
  for (const aspect of layerOrder) {
    const x = sa.anatomy.aspects.get(aspect);
    const y = sb.anatomy.aspects.get(aspect);
    if ((!x && !y) || (x && y && x.short === y.short)) continue;
    // How a gated MLP's projections are laid out says nothing against a plain MLP: the mlp row says that.
    if (aspect.endsWith("mlp projection") && (!x || !y)) continue;
    // The decoder's layer only when both models have one, and only where it says more than the first stack's row.
    if (aspect.startsWith("decoder ")) {
      if (!x || !y) continue;
      const first = rows.find((l) => l.aspect === aspect.slice("decoder ".length));
      if (first && first.shortA === x.short && first.shortB === y.short) continue;
    }
    const none = `no ${aspect}`;
    rows.push({ aspect, a: x?.detail ?? none, b: y?.detail ?? none, shortA: x?.short ?? none, shortB: y?.short ?? none });
  }
  return rows;
}

/** One row per concept whose values differ, with the config keys when the models read it from different ones. */
function hyperRows(sa: Side, sb: Side): HyperChange[] {
  const rows: HyperChange[] = [];
  for (const p of pairConcepts(sa.concepts, sb.concepts)) {
    if (p.a.value === p.b.value) continue;
    const ka = p.a.keys[0] ?? "derived";
    const kb = p.b.keys[0] ?? "derived";
    const shared = p.a.keys.some((k) => p.b.keys.includes(k));
    rows.push({
      key: rowKey(p),
      name: p.a.name === p.b.name ? p.a.name : `${p.a.name} ~ ${p.b.name}`,
      a: p.a.value,
      b: p.b.value,
      ...(!shared && ka !== kb ? { keys: { a: ka, b: kb } } : {}),
      ...(p.meaning ? { meaning: p.meaning } : {}),
    });
  }
  return rows;
}

/**
 * A nonlinearity or norm called as an op inside a layer (ChatGLM's swiglu's silu where Llama has
 * an act_fn module): the layer's `mlp` and `norm` aspects name it, so no op row on one side; and
 * a position op when the `positions` aspects differ (Falcon's rope vs GPT-2's learned positions).
 */
const describedByAspects = (region: string, op: string, positionsDiffer: boolean) => (inLayer(region) && (opRole(op) === "activation" || opRole(op) === "norm")) || (positionsDiffer && opRole(op) === "positions");

/**
 * Ops, by region: those with a role pair by their index among calls of that op; layout ops
 * pair only when both regions lay out alike (else the layer's qkv aspect says how).
 */
function opRows(al: Aligned, report: DiffReport): void {
  const regions = new Set(["(root)", ...[...al.sa.anatomy.roles.values(), ...al.sb.anatomy.roles.values()].filter((r) => al.blocksA.has(r) || al.blocksB.has(r))]);
  const opsA = opsByRegion(al.blocksA, regions);
  const opsB = opsByRegion(al.blocksB, regions);
  const oneSided: StructureChange[] = [];
  // When the position encodings differ, the `positions` aspect says how: no op rows for rope on one side.
  const positionsDiffer = al.sa.anatomy.aspects.get("positions")?.short !== al.sb.anatomy.aspects.get("positions")?.short;
  for (const [region, la] of opsA) {
    const lb = opsB.get(region);
    if (!lb) continue;
    const block = al.show(region);
    const layout = (l: OpFact[]) => l.filter((o) => !hasRole(o.op)).map((o) => o.op).join(",");
    const alike = layout(la) === layout(lb);
    const byKey = new Map(lb.map((o) => [`${o.op}#${o.index}`, o]));
    const seen = new Set<string>();
    // A layout op's attribute that makes the same change as one of a role op's attributes here
    // (split_heads' heads, 8 → 32, with attention's heads) follows from it: one row, the role op's.
    const roleChanges = new Set<string>();
    for (const oa of la) {
      const ob = byKey.get(`${oa.op}#${oa.index}`);
      if (ob && hasRole(oa.op)) for (const [attr, va] of Object.entries(oa.attrs)) if (ob.attrs[attr] !== undefined && ob.attrs[attr] !== va) roleChanges.add(`${va}\u0000${ob.attrs[attr]}`);
    }
    for (const oa of la) {
      const k = `${oa.op}#${oa.index}`;
      seen.add(k);
      const ob = byKey.get(k);
      if (!hasRole(oa.op) && !alike) continue;
      if (!ob && describedByAspects(region, oa.op, positionsDiffer)) continue;
      if (!ob) {
        oneSided.push({ path: block, change: "removed", a: opText(oa) });
        continue;
      }
      for (const attr of new Set([...Object.keys(oa.attrs), ...Object.keys(ob.attrs)])) {
        const va = oa.attrs[attr] ?? "default";
        const vb = ob.attrs[attr] ?? "default";
        if (va === vb || (!hasRole(oa.op) && roleChanges.has(`${va}\u0000${vb}`)) || sameMeaning(oa, ob, attr, va, vb)) continue;
        report.attributes.push({ block, op: oa.op, index: oa.index, attr, a: va, b: vb });
      }
    }
    for (const ob of lb) if (!seen.has(`${ob.op}#${ob.index}`) && (hasRole(ob.op) || alike) && !describedByAspects(region, ob.op, positionsDiffer)) oneSided.push({ path: block, change: "added", b: opText(ob) });
  }
  // An op that one model calls in one module and the other in another (BERT computes
  // position ids in its embeddings, GPT-2 in the backbone) has moved, not changed.
  const unpaired = (mine: Map<string, OpFact[]>, other: Map<string, OpFact[]>) => [...mine].filter(([r]) => !other.has(r)).flatMap(([, l]) => l.filter((o) => hasRole(o.op)).map(opText));
  const texts = (c: StructureChange["change"]) => [...oneSided.filter((x) => x.change === c).map((x) => x.a ?? x.b), ...(c === "removed" ? unpaired(opsA, opsB) : unpaired(opsB, opsA))];
  const removedTexts = texts("removed");
  const addedTexts = texts("added");
  for (const x of oneSided) if (!(x.change === "removed" ? addedTexts : removedTexts).includes(x.a ?? x.b)) report.structure.push(x);
}

/**
 * Blocks on one side only, and blocks paired under one parent by their ops. Inside the
 * layer, a block all of whose modules have roles is what the layer aspects describe (BERT's
 * attention.self holds q, k and v) and is not listed.
 */
function blockRows(al: Aligned, report: DiffReport): void {
  const { pairs, onlyA, onlyB } = alignBlocks(al.blocksA, al.blocksB);
  for (const [fa, fb] of pairs) if (fa.role !== fb.role) report.structure.push({ path: al.show(parentOf(fa.role)) || "(root)", change: "renamed", a: al.show(fa.role), b: al.show(fb.role) });
  const explained = (f: BlockFact, leaves: Map<string, Leaf>) => inOneSidedDecoder(al, f.role) || (inLayer(f.role) && [...leaves.values()].filter((l) => l.block === f.role && l.live).every((l) => l.roled));
  for (const f of onlyA) if (!explained(f, al.leavesA)) report.structure.push({ path: al.show(f.role), change: "removed", a: f.className });
  for (const f of onlyB) if (!explained(f, al.leavesB)) report.structure.push({ path: al.show(f.role), change: "added", b: f.className });
}

/**
 * A part of an encoder-decoder's decoder (its layers, embedding, final norm) when the other
 * model has no decoder: the `stacks` aspect says so, and the decoder's own row stands for its modules.
 */
function inOneSidedDecoder(al: Aligned, canon: string): boolean {
  const has = (s: Side) => [...s.anatomy.roles.values()].includes("decoder_layers");
  return has(al.sa) !== has(al.sb) && canon.startsWith("decoder_");
}

/** Modules compared by role path: what their kind leaves out (bias, eps), the parameters they gain or lose, and those on one side only. */
function leafRows(al: Aligned, report: DiffReport): void {
  const { leavesA, leavesB, tensorsA, tensorsB, show } = al;
  // Inside the layer a one-sided block's row stands for its modules; outside it (BERT's embeddings) they are listed.
  const blocksOnOneSide = new Set([...al.blocksA.keys(), ...al.blocksB.keys()].filter((k) => inLayer(k) && al.blocksA.has(k) !== al.blocksB.has(k)));
  for (const path of new Set([...leavesA.keys(), ...leavesB.keys()])) {
    const la = leavesA.get(path);
    const lb = leavesB.get(path);
    if (la && lb) {
      // Norm and activation kinds are the layer's aspects; here only what those leave out.
      const differs = la.role === lb.role && kindInAspects(la, path) ? la.settings !== lb.settings : la.text !== lb.text;
      if (differs) report.structure.push({ path: show(path), change: "changed", a: la.text, b: lb.text });
      // Parameters a module gains or loses (a LayerNorm's bias where an RMSNorm had none).
      for (const t of new Set([...tensorsA.keys(), ...tensorsB.keys()])) {
        if (!t.startsWith(`${path}.`) || t.slice(path.length + 1).includes(".")) continue;
        const ta = tensorsA.get(t);
        const tb = tensorsB.get(t);
        if (ta && !tb) report.structure.push({ path: show(t), change: "removed", a: ta });
        if (!ta && tb) report.structure.push({ path: show(t), change: "added", b: tb });
      }
      continue;
    }
    const l = (la ?? lb)!;
    // Inside the layer, a module with a role is described by the layer comparison; a
    // module that neither computes nor holds weights (an unused dropout) is no difference.
    if (!l.live || (l.roled && inLayer(path)) || blocksOnOneSide.has(l.block) || inOneSidedDecoder(al, path)) continue;
    if (la) report.structure.push({ path: show(path), change: "removed", a: la.text });
    else report.structure.push({ path: show(path), change: "added", b: lb!.text });
  }
}

/** Two spellings the op reads the same (moe's `normalize = true` and `= 1`: both renormalise). */
function sameMeaning(oa: { op: string; attrs: Record<string, string> }, ob: { attrs: Record<string, string> }, attr: string, va: string, vb: string): boolean {
  const pa = opPhrase(oa.op, attr, va, oa.attrs);
  return pa !== undefined && pa === opPhrase(oa.op, attr, vb, ob.attrs);
}

/** "32 kv heads" instead of "1 kv heads" reads "32 kv heads instead of 1". */
function insteadOf(a: string, b: string): string {
  if (a.startsWith("no ") || b.startsWith("no ")) return b;
  const wa = a.split(" ");
  const wb = b.split(" ");
  let k = 0;
  while (k < wa.length - 1 && k < wb.length && wa[wa.length - 1 - k] === wb[wb.length - 1 - k]) k++;
  return `${b} instead of ${wa.slice(0, wa.length - k).join(" ")}`;
}

/** The summary clauses: the layer's aspects, the op attributes that have words, and weight tying. */
function summarize(r: DiffReport): string[] {
  const out: string[] = [];
  // Which modules some layers lack is detail for the layer rows, not a design choice to summarise.
  for (const l of r.layer) if (!l.aspect.endsWith("layer variation")) out.push(insteadOf(l.shortA, l.shortB));
  for (const x of r.attributes) {
    const call = r.attributes.filter((y) => y.block === x.block && y.op === x.op && y.index === x.index);
    const pa = opPhrase(x.op, x.attr, x.a, Object.fromEntries(call.map((y) => [y.attr, y.a])));
    const pb = opPhrase(x.op, x.attr, x.b, Object.fromEntries(call.map((y) => [y.attr, y.b])));
    if (pa && pb && pa !== pb) out.push(insteadOf(pa, pb));
  }
  const tie = r.structure.find((s) => s.path === "(weights)");
  if (tie) {
    // The head's tying when a side ties it (T5 v1.1 unties its head, not its embeddings), else any tying.
    const what = /head/.test(`${tie.a}${tie.b}`) ? "head" : "weights";
    const tied = (s: string | undefined) => (s !== "tied: untied" && (what === "weights" || /head/.test(s ?? "")) ? "tied" : "untied");
    // Both heads tied (T5 ties its decoder's embeddings too, GPT-2 only its head): the structure row says which, no clause.
    if (tied(tie.a) !== tied(tie.b)) out.push(insteadOf(`${tied(tie.a)} ${what}`, `${tied(tie.b)} ${what}`));
  }
  return [...new Set(out)];
}

// A canonical order, independent of which side came first.
function sortReport(r: DiffReport): DiffReport {
  const by = <T>(key: (x: T) => string) => (x: T, y: T) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0);
  r.names.sort(by((n) => n.role));
  r.layer.sort(by((l) => String(layerOrder.indexOf(l.aspect)).padStart(3, "0") + l.aspect));
  r.hyperparameters.sort(by((h) => h.key));
  r.attributes.sort(by((x) => `${x.block}\u0000${x.op}\u0000${x.index}\u0000${x.attr}`));
  r.structure.sort(by((x) => `${x.path}\u0000${x.change}\u0000${x.a ?? ""}${x.b ?? ""}`));
  r.shapes.sort(by((x) => x.tensor));
  r.summary = summarize(r);
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
    names: r.names.map((n) => ({ role: n.role, a: n.b, b: n.a })),
    layer: r.layer.map((l) => ({ aspect: l.aspect, a: l.b, b: l.a, shortA: l.shortB, shortB: l.shortA })),
    hyperparameters: r.hyperparameters.map((h) => ({ key: h.key, name: swapPair(h.name), a: h.b, b: h.a, ...(h.keys ? { keys: { a: h.keys.b, b: h.keys.a } } : {}), ...(h.meaning ? { meaning: h.meaning } : {}) })),
    attributes: r.attributes.map((x) => ({ ...x, block: swapPair(x.block), a: x.b, b: x.a })),
    structure: r.structure.map((c) => ({ ...swapChange(c), path: swapPair(c.path) })),
    shapes: r.shapes.map((s) => ({ ...s, a: s.b, b: s.a })),
    stats: r.stats.map((s) => ({ ...s, a: s.b, b: s.a, delta: -s.delta })),
    summary: [],
  });
}
