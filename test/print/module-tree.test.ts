// The print stage on inline models: how class names and reprs are written, checked against
// strings derived by hand from PyTorch's print(model) format.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { archFromText } from "../../src/testing/properties.js";

const model = (text: string) => {
  const { arch } = archFromText(text);
  const m = modelFor(arch, "tiny");
  expect([...m.config.diagnostics, ...m.diagnostics]).toEqual([]);
  return printModuleTree(m.root);
};

describe("class and repr strings", () => {
  it("insert config values the Python way, and {{ }} are literal braces", () => {
    const printed = model(`arch Braces {
  param d: int = 8
  param eps: float = 0.000001
  let prefix = "My"
  block M {
    class "{prefix}Block{{{d}}}"
    repr "dims={{'in': {d}}}, eps={eps}, on=True"
    l: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return l(x)
    }
  }
  root M
  preset "tiny" { d = 4 }
}
`);
    // PyTorch's Module.__repr__: extra_repr on its own line before the children.
    expect(printed).toBe(
      ["MyBlock{4}(", "  dims={'in': 4}, eps=1e-06, on=True", "  (l): Linear(in_features=4, out_features=4, bias=True)", ")"].join("\n"),
    );
  });
});
