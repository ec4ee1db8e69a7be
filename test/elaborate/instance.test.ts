// The module tree of one concrete configuration: paths and parameter names as PyTorch's
// state dict has them, shapes from the configuration, lists expanded, ties recorded.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allWeights, walkInstances } from "../../src/compiler/elaborate/instance.js";
import { checkWorkspace, modelFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";

const text = `arch Small {
  param vocab: int = 10
  param d: int = 4
  param n_layers: int = 2
  block Layer {
    class "SmallLayer"
    norm: LayerNorm(d)
    up: Linear(d, 3 * d, bias = false)
    down: Linear(3 * d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return x + down(up(norm(x)))
    }
  }
  block Model {
    class "SmallModel"
    embed: Embedding(vocab, d)
    layers: [Layer for i in 0..n_layers]
    head: Linear(d, vocab, bias = false)
    forward(input_ids: ids[B, T]) -> [B, T, vocab] {
      let h = embed(input_ids)
      for layer in layers {
        h = layer(h)
      }
      return head(h)
    }
  }
  root Model
  preset "tiny" { d = 2 }
}
`;

describe("elaborating a configuration", () => {
  const file = join(process.cwd(), "small.arch");
  const ws = loadWorkspace([file], { includeZoo: false, texts: new Map([[file, text]]) });
  const m = modelFor(ws.archs.get("Small")!, "tiny");

  it("is a model that checks", () => {
    expect(checkWorkspace(ws).filter((d) => d.severity === "error")).toEqual([]);
  });

  it("names every parameter as the state dict does, with the preset's shapes", () => {
    // d = 2 (preset), vocab = 10: embed [10, 2]; per layer LayerNorm weight and bias [2], up [6, 2],
    // down [2, 6] with bias [2]; head [10, 2].
    expect(allWeights(m.root).map((w) => `${w.name} [${w.shape.join(", ")}]`)).toEqual([
      "embed.weight [10, 2]",
      "layers.0.norm.weight [2]",
      "layers.0.norm.bias [2]",
      "layers.0.up.weight [6, 2]",
      "layers.0.down.weight [2, 6]",
      "layers.0.down.bias [2]",
      "layers.1.norm.weight [2]",
      "layers.1.norm.bias [2]",
      "layers.1.up.weight [6, 2]",
      "layers.1.down.weight [2, 6]",
      "layers.1.down.bias [2]",
      "head.weight [10, 2]",
    ]);
  });

  it("expands a list into numbered children with their classes", () => {
    expect([...walkInstances(m.root)].map((i) => `${i.path || "(root)"}: ${i.className}`)).toEqual([
      "(root): SmallModel",
      "embed: Embedding",
      "layers: ModuleList",
      "layers.0: SmallLayer",
      "layers.0.norm: LayerNorm",
      "layers.0.up: Linear",
      "layers.0.down: Linear",
      "layers.1: SmallLayer",
      "layers.1.norm: LayerNorm",
      "layers.1.up: Linear",
      "layers.1.down: Linear",
      "head: Linear",
    ]);
  });
});
