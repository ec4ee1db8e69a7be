// Looks up the PyTorch lowering of an op or primitive; a model using one without a lowering
// cannot be exported, and the error names it and where the model uses it.
import type * as A from "../ast/nodes.js";
import type { TorchOpLowering, TorchPrimitiveLowering } from "./lowering.js";
import { opLowerings } from "./op-lowerings.js";
import { primitiveLowerings } from "./primitive-lowerings.js";

export class MissingLowering extends Error {
  constructor(
    readonly what: "op" | "primitive",
    readonly item: string,
    readonly span?: A.Span,
  ) {
    super(`the ${what} \`${item}\` has no PyTorch lowering`);
  }
}

export function opLowering(name: string, span?: A.Span): TorchOpLowering {
  const low = Object.hasOwn(opLowerings, name) ? opLowerings[name] : undefined;
  if (!low) throw new MissingLowering("op", name, span);
  return low;
}

export function primitiveLowering(name: string, span?: A.Span): TorchPrimitiveLowering {
  const low = Object.hasOwn(primitiveLowerings, name) ? primitiveLowerings[name] : undefined;
  if (!low) throw new MissingLowering("primitive", name, span);
  return low;
}

/** Every op helper (ops.py) and primitive helper (layers.py), in a stable order. */
export function opHelpers(): string[] {
  return Object.entries(opLowerings).flatMap(([, l]) => (l.helper ? [l.helper.trim()] : []));
}

export function primitiveHelpers(): string[] {
  return Object.entries(primitiveLowerings).flatMap(([, l]) => (l.helper ? [l.helper.trim()] : []));
}
