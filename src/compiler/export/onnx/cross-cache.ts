// An encoder-decoder's cross-attention keys and values, cached as Optimum's decoder graphs cache
// them: `past_key_values.{i}.encoder.key|value` in, `present.{i}.encoder.key|value` out. They
// depend only on the encoder's output, so the decoder graph computes them on the first step
// (the encoder past is empty) and passes the past through on every later one, with an ONNX `If`
// on the past's length. A pass over the finished graph: the nodes that compute a site's keys and
// values from `encoder_hidden_states` and weights move into the If's first branch.
import type { GraphBuilder } from "./graph.js";
import { BATCH, type CacheSite, type CrossSite } from "./io.js";
import { valueInfo, type NodeProto } from "./proto.js";

const ENCODER_LENGTH = "encoder_sequence_length_out";

/**
 * The nodes computing `values` back to graph inputs, weights and constants; undefined when one
 * of them reads a graph input other than `context` (then the values change from step to step).
 */
function cone(g: GraphBuilder, values: string[], context: Set<string>): Set<NodeProto> | undefined {
  const producer = new Map<string, NodeProto>();
  for (const n of g.nodes) for (const o of n.output ?? []) producer.set(o, n);
  const inputs = new Set(g.inputs.map((i) => i.name!));
  const found = new Set<NodeProto>();
  const todo = [...values];
  while (todo.length) {
    const v = todo.pop()!;
    const n = producer.get(v);
    if (!n) {
      if (inputs.has(v) && !context.has(v)) return undefined;
      continue; // a weight, a constant, or the encoder's output
    }
    if (found.has(n)) continue;
    if (n.attribute?.some((a) => a.g)) return undefined; // a Scan: leave it where it is
    found.add(n);
    todo.push(...(n.input ?? []).filter(Boolean));
  }
  return found;
}

/**
 * Moves each site's key/value computation into an If on the encoder past's length; returns the
 * cache entries made (a site whose keys read anything but the encoder's output stays recomputed).
 */
export function cacheCrossAttention(g: GraphBuilder, sites: CrossSite[]): CacheSite[] {
  const made: CacheSite[] = [];
  const context = new Set(["encoder_hidden_states", "encoder_attention_mask"]);
  for (const s of sites) {
    const nodes = cone(g, [s.k, s.v], context);
    if (!nodes || nodes.size === 0) continue;
    const inside = new Set([...nodes].flatMap((n) => n.output ?? []));
    // Values of the cone read elsewhere (besides k and v themselves) would vanish with it.
    const leaks = g.nodes.some((n) => !nodes.has(n) && (n.input ?? []).some((i) => inside.has(i) && i !== s.k && i !== s.v));
    if (leaks || g.outputs.some((o) => inside.has(o.name!))) continue;
    const i = made.length;
    const names = {
      pastKey: `past_key_values.${i}.encoder.key`,
      pastValue: `past_key_values.${i}.encoder.value`,
      presentKey: `present.${i}.encoder.key`,
      presentValue: `present.${i}.encoder.value`,
    };
    g.input(names.pastKey, "float32", [BATCH, s.heads, ENCODER_LENGTH, s.headDim], "the cross-attention keys of an earlier step (empty on the first)");
    g.input(names.pastValue, "float32", [BATCH, s.heads, ENCODER_LENGTH, s.valueDim], "the cross-attention values of an earlier step (empty on the first)");
    const at = g.nodes.findIndex((n) => nodes.has(n));
    const body = g.nodes.filter((n) => nodes.has(n));
    const rest = g.nodes.filter((n) => !nodes.has(n));
    // The condition's nodes are made at the end of the graph, then moved before the If.
    const made0 = g.nodes.length;
    const [firstStep, fresh] = g.within(`${s.site}/cross_kv`, () => {
      const length = g.op("Gather", [g.op("Shape", [names.pastKey]), g.i64(2)], { axis: 0 });
      return [g.op("Equal", [length, g.i64(0)]), g.unique("cached")];
    });
    const condNodes = g.nodes.splice(made0);
    const kDims = [BATCH, s.heads, ENCODER_LENGTH, s.headDim];
    const vDims = [BATCH, s.heads, ENCODER_LENGTH, s.valueDim];
    const thenBranch = { name: `${fresh}_first_step`, node: body, input: [], output: [valueInfo(s.k, "float32", kDims), valueInfo(s.v, "float32", vDims)], initializer: [] };
    const keptK = `${fresh}/past_key`;
    const keptV = `${fresh}/past_value`;
    const elseBranch = {
      name: `${fresh}_later_steps`,
      node: [
        { name: `${keptK}/Identity`, opType: "Identity", input: [names.pastKey], output: [keptK] },
        { name: `${keptV}/Identity`, opType: "Identity", input: [names.pastValue], output: [keptV] },
      ],
      input: [],
      output: [valueInfo(keptK, "float32", kDims), valueInfo(keptV, "float32", vDims)],
      initializer: [],
    };
    const ifNode = g.ifNode(`${s.site}/cross_kv/If`, firstStep, thenBranch, elseBranch, [names.presentKey, names.presentValue]);
    // Readers of k and v now read the If's outputs.
    for (const n of rest) n.input = (n.input ?? []).map((x) => (x === s.k ? names.presentKey : x === s.v ? names.presentValue : x));
    const before = rest.filter((n) => g.nodes.indexOf(n) < at);
    const after = rest.filter((n) => g.nodes.indexOf(n) >= at);
    g.nodes.splice(0, g.nodes.length, ...before, ...condNodes, ifNode, ...after);
    g.declareOutput(names.presentKey, "float32", kDims);
    g.declareOutput(names.presentValue, "float32", vDims);
    made.push({ site: `${s.site}#cross`, kvHeads: s.heads, headDim: s.headDim, valueDim: s.valueDim, ...names });
  }
  return made;
}
