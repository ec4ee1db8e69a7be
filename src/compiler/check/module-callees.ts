// What each name or call in a submodule declaration (or a block's alias) builds: a primitive or
// a block of the arch. Bound here once, by the callee's name, so that the stages after the
// checker (codegen, the exporters, elaboration) read the binding instead of looking the name up.
import type * as A from "../ast/nodes.js";
import type { ArchIR } from "../ir/model.js";
import { isPrimitive, primitives } from "../ir/primitives.js";
import type { ModuleCallee } from "./types.js";

/**
 * Records the callee of every `Name` or `Name(args)` position of `e` (through choices, lists and
 * comprehensions) that names a primitive or a block; an unknown name gets none (moduleTypeOf
 * reports it).
 */
export function bindModuleCallees(arch: ArchIR, e: A.Expr, into: Map<A.Expr, ModuleCallee>): void {
  switch (e.kind) {
    case "if":
      bindModuleCallees(arch, e.then, into);
      bindModuleCallees(arch, e.else, into);
      return;
    case "list":
      for (const item of e.items) bindModuleCallees(arch, item, into);
      return;
    case "comprehension":
      bindModuleCallees(arch, e.item, into);
      return;
    case "name":
    case "call": {
      const callee = e.kind === "call" ? e.callee : e;
      if (callee.kind !== "name") return;
      if (isPrimitive(callee.name)) into.set(e, { kind: "primitive", primitive: primitives[callee.name]! });
      else {
        const block = arch.blocks.get(callee.name);
        if (block) into.set(e, { kind: "block", block });
      }
      return;
    }
    default:
      return;
  }
}
