// archc's own runtime (the generated TypeScript on the bundled WebAssembly kernels).
import { verifyCase } from "../verify.js";
import type { VerifyEngine } from "./engine.js";

export const archcEngine: VerifyEngine = {
  unavailable: () => undefined,
  async verifyCases(ws, dirs, options) {
    const out = [];
    for (const d of dirs) out.push(await verifyCase(ws, d, options));
    return out;
  },
};
