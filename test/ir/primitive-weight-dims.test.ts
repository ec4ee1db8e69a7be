// A primitive's symbolic weight dimensions (what the checker reads for `lm_head.weight`) must
// say the same as the sizes its `weights` computes, for any arguments.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { primitives } from "../../src/compiler/ir/primitives.js";

describe("primitive weightDims", () => {
  const withDims = Object.values(primitives).filter((p) => p.weightDims);

  it("is declared by the primitives whose weights are sized by their arguments", () => {
    expect(withDims.map((p) => p.name).sort()).toEqual(["Conv1D", "Embedding", "LayerNorm", "Linear", "RMSNorm"]);
  });

  for (const p of withDims) {
    it(`${p.name}: every weight's dims are the sizes weights() gives`, () => {
      const ints = p.params.filter((x) => x.type === "int").map((x) => x.name);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: ints.length, maxLength: ints.length }), (sizes) => {
          // Every optional weight present (bias, affine), so each one is compared.
          const flags = Object.fromEntries(p.params.filter((x) => x.type === "bool").map((x) => [x.name, true]));
          const args = { ...flags, ...Object.fromEntries(ints.map((n, i) => [n, sizes[i]!])) };
          const weights = p.weights(args);
          expect(weights.length).toBeGreaterThan(0);
          for (const w of weights) {
            const dims = p.weightDims![w.name];
            expect(dims, `${p.name}.${w.name}`).toBeDefined();
            expect(dims!.map((d) => args[d as keyof typeof args])).toEqual(w.shape);
          }
        }),
      );
    });
  }
});
