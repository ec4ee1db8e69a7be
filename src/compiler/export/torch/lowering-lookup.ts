// Looks up the PyTorch lowering of an op or primitive (each written in its definition); a
// model using one without a lowering cannot be exported, and the error names it and where
// the model uses it.
import type * as A from "../../ast/nodes.js";
import { ops } from "../../ops/catalogue.js";
import { primitives, type Primitive } from "../../ir/primitives.js";
import type { TorchOpLowering, TorchPrimitiveLowering } from "./lowering.js";

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
  const low = Object.hasOwn(ops, name) ? ops[name]!.torch : undefined;
  if (!low) throw new MissingLowering("op", name, span);
  return low;
}

export function primitiveLowering(p: Primitive, span?: A.Span): TorchPrimitiveLowering {
  const low = p.torch;
  if (!low) throw new MissingLowering("primitive", p.name, span);
  return low;
}

/** Every op helper (ops.py) and primitive helper (layers.py), in catalogue order. */
export function opHelpers(): string[] {
  return Object.values(ops).flatMap((d) => (d.torch?.helper ? [d.torch.helper.trim()] : []));
}

export function primitiveHelpers(): string[] {
  return Object.values(primitives).flatMap((p) => (p.torch?.helper ? [p.torch.helper.trim()] : []));
}
