// TEMPORARY: the ONNX lowerings by op and primitive name, until the op catalogue gives each
// op a definition object of its own (src/compiler/ops/); each entry then moves into its
// op's `onnx` field and this table goes away.
import type { OpLowering, PrimitiveLowering } from "../lowering.js";
import { attentionLowerings } from "./attention.js";
import { elementwiseLowerings } from "./elementwise.js";
import { moeLowerings } from "./moe.js";
import { normLowerings } from "./norms.js";
import { primitiveLowerings } from "./primitives.js";
import { shapeLowerings } from "./shape.js";

export const opLowerings: Record<string, OpLowering> = {
  ...elementwiseLowerings,
  ...normLowerings,
  ...shapeLowerings,
  ...attentionLowerings,
  ...moeLowerings,
  // Computed once per generation by the bundled runtime; a graph simply recomputes it.
  once: (_c, a) => a.x,
};

export { primitiveLowerings };
export type { PrimitiveLowering };
