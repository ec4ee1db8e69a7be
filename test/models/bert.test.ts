// BERT against independent truth: PyTorch's printed module tree (shared/seed/trees), the
// published parameter count, the parameter count transformers reported for the conformance
// checkpoint, and its optional token_type_ids input.
import { describe, expect, it } from "vitest";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { IntTensor, ModelSession, randomSource } from "../../src/runtime/index.js";
import { arch, itBindsConformanceParams, itCountsPublishedParams, itPrintsAsSeedTrees } from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["bert-base-cased", "bert.txt"],
  ]);
});

describe("parameter counts", () => {
  // Published counts (unique tensors, a tied matrix once).
  const published: [string, number][] = [
    ["bert-base-cased", 108_310_272],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["bert-tiny"]);
});

describe("optional forward inputs", () => {
  it("BERT's token_type_ids default to zeros", async () => {
    const a = arch("Bert");
    const mod = await loadArch(a);
    const values = Object.fromEntries(configFor(a, "tiny").values);
    const session = new ModelSession(mod, values, randomSource(3), "Model");
    const ids = new IntTensor(Int32Array.from([5, 9, 2, 7, 1, 3]), [2, 3]);
    const implicit = session.forward({ input_ids: ids }).output;
    const explicit = session.forward({ input_ids: ids, token_type_ids: IntTensor.zeros([2, 3]) }).output;
    const ones = session.forward({ input_ids: ids, token_type_ids: new IntTensor(new Int32Array(6).fill(1), [2, 3]) }).output;
    expect(Array.from(implicit.data)).toEqual(Array.from(explicit.data));
    expect(Array.from(implicit.data)).not.toEqual(Array.from(ones.data));
  });
});
