// Every op of the catalogue and every primitive carries its ONNX lowering in its definition
// object; the ones that do not yet are listed (with the models they keep from exporting) in
// not-exported.ts and docs/onnx.md. A new op without a lowering fails here by name.
import { describe, expect, it } from "vitest";
import { ops } from "../../src/compiler/ops/catalogue.js";
import { primitives } from "../../src/compiler/ir/primitives.js";
import { notLowered } from "./not-exported.js";

describe("ONNX lowerings", () => {
  it("every op has one, except the listed ones", () => {
    const missing = Object.values(ops).filter((d) => !d.onnx).map((d) => d.name).sort();
    expect(missing).toEqual([...notLowered.ops].sort());
  });
  it("every primitive has one, except the listed ones", () => {
    const missing = Object.values(primitives).filter((p) => !p.onnx).map((p) => p.name).sort();
    expect(missing).toEqual([...notLowered.primitives].sort());
  });
});
