// Weights read on first use (src/runtime/weights/deferred.ts), through readSafetensors with
// `defer`: nothing is read until used, a row lookup reads only its rows, `data` reads the rest.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/runtime/index.js";
import { DeferredTensor } from "../../src/runtime/weights/deferred.js";
import { f32le, fileBytes, tempDir, writeFile } from "./safetensors-bytes.js";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A [3, 2] table of 1..6: float32 bit patterns of 1, 2, 3, 4, 5, 6.
const ONE_TO_SIX = [0x3f800000, 0x40000000, 0x40400000, 0x40800000, 0x40a00000, 0x40c00000];

function deferredTable(name: string): DeferredTensor {
  const path = writeFile(dir, name, fileBytes({ w: { dtype: "F32", shape: [3, 2], data_offsets: [0, 24] } }, f32le(...ONE_TO_SIX)));
  const t = readSafetensors(path, { defer: true, alloc: (n) => new Float32Array(n) }).tensors.get("w");
  expect(t).toBeInstanceOf(DeferredTensor);
  return t as DeferredTensor;
}

describe("DeferredTensor", () => {
  it("reads nothing until used, then only the rows a lookup asks for", () => {
    const t = deferredTable("rows.safetensors");
    expect(t.resident).toBe(false);
    expect(Array.from(t.rows([2]))).toEqual([0, 0, 0, 0, 5, 6]);
    expect(t.resident).toBe(false);
  });

  it("reads every value on the first read of data, and is resident from then on", () => {
    const t = deferredTable("all.safetensors");
    t.rows([0]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.resident).toBe(true);
    expect(t.shape).toEqual([3, 2]);
    expect(t.size).toBe(6);
  });

  it("keeps data an accessor of the class, so that every weight has one (fast) object shape", () => {
    const a = deferredTable("shape-a.safetensors");
    const b = deferredTable("shape-b.safetensors");
    a.data;
    expect(Object.hasOwn(a, "data")).toBe(false);
    expect(Object.keys(a)).toEqual(Object.keys(b));
  });

  it("takes assigned values as its own, without reading the file", () => {
    const t = deferredTable("assigned.safetensors");
    const values = new Float32Array([6, 5, 4, 3, 2, 1]);
    t.data = values;
    expect(t.resident).toBe(true);
    expect(t.data).toBe(values);
  });
});
