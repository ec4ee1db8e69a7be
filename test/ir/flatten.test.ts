// Inheritance is flattened once: a derived architecture has its base's members, its own
// overrides in their place, and remembers where each member was written.
import { describe, expect, it } from "vitest";
import { parseArch } from "../../src/compiler/ast/build.js";
import { exprText } from "../../src/compiler/ast/expr-text.js";
import type { Diagnostic } from "../../src/compiler/diagnostics/diagnostic.js";
import { flattenArchs } from "../../src/compiler/ir/flatten.js";

const text = `arch Base {
  param d: int = 64 <- hidden_size
  param heads: int = 4
  let head_dim = d / heads
  require d % heads == 0: "whole heads"
  block M {
    l: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return l(x)
    }
  }
  root M
  preset "tiny" { d = 8 }
}

arch Wide extends Base {
  override param d: int = 128 <- hidden_size, n_embd
  param bias: bool = false
  preset "wide-tiny" { d = 16 }
}
`;

function flatten(source: string): { archs: ReturnType<typeof flattenArchs>; diagnostics: Diagnostic[] } {
  const parsed = parseArch("f.arch", source);
  expect(parsed.diagnostics).toEqual([]);
  const diagnostics: Diagnostic[] = [];
  return { archs: flattenArchs([parsed.file], diagnostics), diagnostics };
}

describe("flattening inheritance", () => {
  const { archs, diagnostics } = flatten(text);
  const wide = archs.get("Wide")!;

  it("reports nothing for a well-formed hierarchy", () => {
    expect(diagnostics).toEqual([]);
  });

  it("gives the derived arch every member of its base and its own", () => {
    expect(wide.lineage).toEqual(["Wide", "Base"]);
    expect([...wide.params.keys()].sort()).toEqual(["bias", "d", "heads"]);
    expect([...wide.lets.keys()]).toEqual(["head_dim"]);
    expect(wide.requires.map((r) => r.message)).toEqual(["whole heads"]);
    expect([...wide.blocks.keys()]).toEqual(["M"]);
    expect(wide.root?.block).toBe("M");
  });

  it("lets an override replace the base member and records where each member was written", () => {
    const d = wide.params.get("d")!;
    expect(exprText(d.default!)).toBe("128");
    expect(d.hfKeys).toEqual([["hidden_size"], ["n_embd"]]);
    expect(d.definedIn).toBe("Wide");
    expect(wide.params.get("heads")!.definedIn).toBe("Base");
    expect(wide.blocks.get("M")!.definedIn).toBe("Base");
  });

  it("does not inherit presets: a preset names a checkpoint of one architecture", () => {
    expect([...wide.presets.keys()]).toEqual(["wide-tiny"]);
    expect([...archs.get("Base")!.presets.keys()]).toEqual(["tiny"]);
  });

  it("reports an override of nothing and an unknown base, with a suggestion", () => {
    const bad = flatten(`arch A {\n  param d: int = 1\n}\narch B extends A {\n  override param e: int = 2\n}\narch C extends Aa {\n}\n`);
    expect(bad.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      // `e` is one edit from the base's `d`.
      ["E0105", "did you mean `d`?"],
      ["E0104", "did you mean `A`?"],
    ]);
  });
});
