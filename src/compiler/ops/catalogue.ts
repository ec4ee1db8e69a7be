// Every op of the .arch language, by name. An op is defined once, in its family's file in
// this directory; adding one means adding its object to that file (or a new file listed
// here), its function in src/runtime/lang, and regenerating docs/language.md.
import { activationOps, elementwiseOps } from "./activations.js";
import { adaptiveSoftmaxOps } from "./adaptive-softmax.js";
import { attention } from "./attention.js";
import { causalConv } from "./convolution.js";
import { headOps } from "./heads.js";
import { layoutOps } from "./layout.js";
import { linear } from "./linear.js";
import { moe } from "./moe.js";
import { normOps } from "./norms.js";
import { once } from "./once.js";
import type { OpDef } from "./op-def.js";
import { positionIds, segmentIds } from "./positions.js";
import { recurrentOps } from "./recurrent.js";
import { relativePositionOps } from "./relative-position.js";
import { rope } from "./rope.js";

// The order is the one suggestions for a misspelt op walk (the first of equally close names
// wins), so it stays as the golden diagnostics expect.
const all: OpDef[] = [
  ...elementwiseOps,
  ...recurrentOps,
  ...relativePositionOps,
  once,
  ...adaptiveSoftmaxOps,
  ...activationOps,
  ...normOps,
  ...headOps,
  rope,
  attention,
  ...layoutOps,
  positionIds,
  linear,
  moe,
  causalConv,
  segmentIds,
];

function byName(defs: OpDef[]): Readonly<Record<string, OpDef>> {
  const out: Record<string, OpDef> = Object.create(null);
  for (const d of defs) {
    if (out[d.name]) throw new Error(`op ${d.name} is defined twice`);
    out[d.name] = d;
  }
  return Object.freeze(out);
}

export const ops: Readonly<Record<string, OpDef>> = byName(all);

/** The op a forward body calls by `name`, if there is one. */
export function opNamed(name: string): OpDef | undefined {
  return Object.prototype.hasOwnProperty.call(ops, name) ? ops[name] : undefined;
}
