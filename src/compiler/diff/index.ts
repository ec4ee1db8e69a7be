// Entry point of the diff stage: two elaborated models in, a report out.
import type { ElaboratedModel } from "../elaborate/instance.js";
import { anatomyOf } from "./anatomy.js";
import { diffSides, type DiffReport, type Side } from "./diff.js";
import { extractFacts } from "./facts.js";
import { conceptsOf } from "./meaning.js";
import { valueSlots } from "./value-flows.js";

/** What the diff reads off one model, computed once when a model is compared with many. */
export function side(m: ElaboratedModel, label: string): Side {
  const facts = extractFacts(m, label);
  const anatomy = anatomyOf(m);
  return { facts, anatomy, concepts: conceptsOf(m, valueSlots(m, anatomy, facts.opSizes, facts.fusedExperts)) };
}

export function diffModels(a: ElaboratedModel, b: ElaboratedModel, labels: [string, string] = ["A", "B"]): DiffReport {
  return diffSides(side(a, labels[0]), side(b, labels[1]));
}

export { anatomyOf, type Anatomy } from "./anatomy.js";
export { diffSides, isEmpty, mirror, type DiffReport, type Side } from "./diff.js";
export { layerDrawing } from "./layer-drawing.js";
export { renderText, renderMarkdown, renderJson, renderHtml, renderExplanation } from "./render.js";
