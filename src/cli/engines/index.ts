import type { VerifyEngine } from "./engine.js";
import { archcEngine } from "./archc.js";
import { torchEngine } from "./torch.js";
import { ortEngine } from "./ort.js";

export type { VerifyEngine } from "./engine.js";

/** Engines by the name `--engine` takes. */
export const engines: Record<string, VerifyEngine> = {
  archc: archcEngine,
  torch: torchEngine,
  ort: ortEngine,
};
