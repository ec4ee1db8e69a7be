// Every submodule declaration in the resolved IR carries the module type the checker gave it,
// whether or not a forward body uses it, against what a reader of the declarations derives by
// hand: a comprehension is a list of its item's module, a list written item by item keeps its
// items, a choice has one variant per branch selected by its condition, an alias of a
// primitive is that primitive remembering the block its weights are named by.
import { describe, expect, it } from "vitest";
import { archFromText } from "../../src/testing/properties.js";
import { checkedArch, resolvedArch } from "../../src/compiler/pipeline.js";
import type { ModuleT, ModuleVariant } from "../../src/compiler/check/types.js";
import type { NumericEnv } from "../../src/compiler/check/symbolic.js";
import type { ResolvedSubmodule } from "../../src/compiler/resolved/nodes.js";

const text = `arch Subs {
  param d: int = 8
  param n: int = 3
  param gated: bool = true
  block Norm(dim: int) = RMSNorm(dim)
  block MLP(dim: int) {
    up: Linear(dim, dim)
    forward(x: [B, T, dim]) -> [B, T, dim] {
      return up(x)
    }
  }
  block GatedMLP(dim: int) {
    gate: Linear(dim, dim)
    up: Linear(dim, dim)
    forward(x: [B, T, dim]) -> [B, T, dim] {
      return gate(x) * up(x)
    }
  }
  block Layer(dim: int) {
    mlp: if gated then GatedMLP(dim) else MLP(dim)
    norm: Norm(dim)
    forward(x: [B, T, dim]) -> [B, T, dim] {
      return x + mlp(norm(x))
    }
  }
  block Model {
    layers: [Layer(d) for i in 0..n]
    pair: [MLP(d), GatedMLP(d)]
    unused: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      for layer in layers {
        x = layer(x)
      }
      return x
    }
  }
  root Model
}
`;

const { arch } = archFromText(text);
const resolved = resolvedArch(arch);
const submodule = (block: string, name: string): ResolvedSubmodule => {
  const s = resolved.blocks.get(block)!.submodules.find((x) => x.name === name);
  if (!s) throw new Error(`no submodule ${block}.${name}`);
  return s;
};
const variantName = (v: ModuleVariant) => (v.kind === "block" ? `block ${v.block.name}` : `${v.primitive.name}${v.block ? ` as ${v.block.name}` : ""}`);
const names = (t: ModuleT) => t.variants.map(variantName);
const env = (gated: boolean): NumericEnv => ({ label: `gated = ${gated}`, values: new Map([["gated", gated]]) });

describe("submodule module types in the resolved IR", () => {
  it("checks without errors (the premise of the rest)", () => {
    expect(checkedArch(arch).diagnostics).toEqual([]);
  });

  it("lists every declaration of a block in order, with its declaration and span", () => {
    const subs = resolved.blocks.get("Model")!.submodules;
    expect(subs.map((s) => s.name)).toEqual(["layers", "pair", "unused"]);
    const decls = arch.blocks.get("Model")!.submodules;
    subs.forEach((s, i) => {
      expect(s.decl).toBe(decls[i]);
      expect(s.span).toBe(decls[i]!.span);
    });
    expect(resolved.blocks.get("Norm")!.submodules).toEqual([]);
  });

  it("types a comprehension as a list of its item's block, with the argument bound", () => {
    const t = submodule("Model", "layers").type!;
    expect(t.kind).toBe("modlist");
    if (t.kind !== "modlist") return;
    expect(names(t.item)).toEqual(["block Layer"]);
    expect(t.items).toBeUndefined();
    expect(t.item.variants[0]!.args.get("dim")?.sym?.toString()).toBe("d");
  });

  it("keeps the items of a list written item by item", () => {
    const t = submodule("Model", "pair").type!;
    expect(t.kind).toBe("modlist");
    if (t.kind !== "modlist") return;
    expect(t.items?.map(names)).toEqual([["block MLP"], ["block GatedMLP"]]);
    expect(names(t.item)).toEqual(["block MLP", "block GatedMLP"]);
  });

  it("types a submodule no forward uses", () => {
    const t = submodule("Model", "unused").type!;
    expect(t.kind === "module" && names(t)).toEqual(["Linear"]);
  });

  it("gives a choice one variant per branch, each selected by its condition", () => {
    const t = submodule("Layer", "mlp").type!;
    expect(t.kind).toBe("module");
    if (t.kind !== "module") return;
    expect(names(t)).toEqual(["block GatedMLP", "block MLP"]);
    const [gatedMlp, mlp] = t.variants;
    expect(gatedMlp!.when?.map((c) => [c(env(true)), c(env(false))])).toEqual([[true, false]]);
    expect(mlp!.when?.map((c) => [c(env(true)), c(env(false))])).toEqual([[false, true]]);
  });

  it("types an alias of a primitive as the primitive, named by the alias block", () => {
    const t = submodule("Layer", "norm").type!;
    expect(t.kind === "module" && names(t)).toEqual(["RMSNorm as Norm"]);
  });
});
