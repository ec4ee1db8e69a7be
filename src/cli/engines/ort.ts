// onnxruntime-node (CPU execution provider) on the graph `archc export --onnx` writes,
// exported on the fly into a cache folder.
import { verifyCaseOrt } from "../ort/verify.js";
import { bundledWeightsOnly, type VerifyEngine } from "./engine.js";

export const ortEngine: VerifyEngine = {
  unavailable: () => undefined, // loading onnxruntime-node reports its own absence, with a hint
  async verifyCases(ws, dirs, options) {
    bundledWeightsOnly("ort", options);
    const out = [];
    for (const d of dirs) out.push(await verifyCaseOrt(ws, d));
    return out;
  },
};
