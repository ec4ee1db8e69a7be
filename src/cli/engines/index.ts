import type { VerifyEngine } from "./engine.js";
import { archcEngine } from "./archc.js";
import { torchEngine } from "./torch.js";

export type { VerifyEngine } from "./engine.js";

/** Engines by the name `--engine` takes. */
export const engines: Record<string, VerifyEngine> = {
  archc: archcEngine,
  torch: torchEngine,
};
