// Each `Name` / `Name(args)` position of a submodule declaration (and of a block alias) in the
// resolved IR says what it builds, a primitive or a block, against what a reader of the
// declarations sees: one entry per position of a choice, of a list, of a comprehension's item;
// a call of an alias block builds that block (not the primitive it aliases, which is what the
// module type's variant names); a name neither a block nor a primitive binds nothing.
import { describe, expect, it } from "vitest";
import { archFromText } from "../../src/testing/properties.js";
import { resolvedArch } from "../../src/compiler/pipeline.js";
import type * as A from "../../src/compiler/ast/nodes.js";
import type { ModuleCallee } from "../../src/compiler/check/types.js";
import { exprText } from "../../src/compiler/ast/expr-text.js";

const text = `arch Callees {
  param d: int = 8
  param n: int = 2
  param gated: bool = true
  block Norm(dim: int) = RMSNorm(dim)
  block Wide(dim: int) = MLP(dim)
  block MLP(dim: int) {
    up: Linear(dim, dim)
    forward(x: [B, T, dim]) -> [B, T, dim] {
      return up(x)
    }
  }
  block Model {
    choice: if gated then Wide(d) else Linear(d, d)
    mixed: [Norm(d), Linear(d, d), MLP]
    layers: [MLP(d) for i in 0..n]
    forward(x: [B, T, d]) -> [B, T, d] {
      return layers[0](x)
    }
  }
  root Model
}
`;

const { arch } = archFromText(text);
const resolved = resolvedArch(arch);
const described = (c: ModuleCallee | undefined) => (c === undefined ? "none" : c.kind === "block" ? `block ${c.block.name}` : `primitive ${c.primitive.name}`);
/** Every bound position of `e`, as `text → callee`, in source order. */
function positions(e: A.Expr): string[] {
  switch (e.kind) {
    case "if":
      return [...positions(e.then), ...positions(e.else)];
    case "list":
      return e.items.flatMap(positions);
    case "comprehension":
      return positions(e.item);
    default:
      return [`${exprText(e)} → ${described(resolved.moduleCallees.get(e))}`];
  }
}
const declared = (block: string, name: string) => positions(arch.blocks.get(block)!.submodules.find((s) => s.name === name)!.module);

describe("the module each position of a submodule declaration builds", () => {
  it("binds each branch of a choice on its own, an alias call to the alias block", () => {
    expect(declared("Model", "choice")).toEqual(["Wide(d) → block Wide", "Linear(d, d) → primitive Linear"]);
  });

  it("binds each item of a list of different modules, a bare name too", () => {
    expect(declared("Model", "mixed")).toEqual(["Norm(d) → block Norm", "Linear(d, d) → primitive Linear", "MLP → block MLP"]);
  });

  it("binds a comprehension's item once", () => {
    expect(declared("Model", "layers")).toEqual(["MLP(d) → block MLP"]);
  });

  it("binds an alias's own call: a primitive, or the block it aliases", () => {
    expect(positions(arch.blocks.get("Norm")!.alias!)).toEqual(["RMSNorm(dim) → primitive RMSNorm"]);
    expect(positions(arch.blocks.get("Wide")!.alias!)).toEqual(["MLP(dim) → block MLP"]);
  });

  it("binds nothing to an unknown name", () => {
    const broken = archFromText(text.replace("layers: [MLP(d) for", "layers: [Mlp(d) for")).arch;
    const e = broken.blocks.get("Model")!.submodules.find((s) => s.name === "layers")!.module;
    expect(e.kind === "comprehension" && resolvedArch(broken).moduleCallees.get(e.item)).toBe(undefined);
  });
});
