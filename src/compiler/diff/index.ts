// Entry point of the diff stage: two elaborated models in, a report out.
import type { ElaboratedModel } from "../elaborate/instance.js";
import { diffFacts, type DiffReport } from "./diff.js";
import { extractFacts } from "./facts.js";

export function diffModels(a: ElaboratedModel, b: ElaboratedModel, labels: [string, string] = ["A", "B"]): DiffReport {
  return diffFacts(extractFacts(a, labels[0]), extractFacts(b, labels[1]));
}

export { isEmpty, mirror, type DiffReport } from "./diff.js";
export { renderText, renderMarkdown, renderJson, renderHtml } from "./render.js";
