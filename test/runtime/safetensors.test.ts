import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors, Tensor, WeightsError, writeSafetensors } from "../../src/runtime/index.js";
import { f32le, fileBytes, tempDir, u16le, writeFile } from "./safetensors-bytes.js";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = (bytes: Uint8Array) => writeFile(dir, `t${counter++}.safetensors`, bytes);

function expectWeightsError(path: string, match: { tensor?: string; message: RegExp }): WeightsError {
  let caught: unknown;
  try {
    readSafetensors(path);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(WeightsError);
  const err = caught as WeightsError;
  expect(err.file).toBe(path);
  expect(err.message).toContain(path);
  expect(err.tensor).toBe(match.tensor);
  if (match.tensor !== undefined) expect(err.message).toContain(`"${match.tensor}"`);
  expect(err.message).toMatch(match.message);
  return err;
}

describe("readSafetensors: dtypes", () => {
  it("F32: 0x3F800000 = 1, 0xC0000000 = −2", () => {
    const path = file(fileBytes({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, f32le(0x3f800000, 0xc0000000)));
    const f = readSafetensors(path);
    expect(Array.from(f.tensors.get("a")!.data)).toEqual([1, -2]);
    expect(f.tensors.get("a")!.shape).toEqual([2]);
    expect(f.dtypes.get("a")).toBe("F32");
    expect(f.warnings).toEqual([]);
  });

  it("F16: 1, −2, 65504, the smallest subnormal 2^-24, 0x3555 and −0", () => {
    const path = file(fileBytes({ h: { dtype: "F16", shape: [2, 3], data_offsets: [0, 12] } }, u16le(0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555, 0x8000)));
    const t = readSafetensors(path).tensors.get("h")!;
    expect(t.shape).toEqual([2, 3]);
    // 0x3555: exponent 13 − 15, mantissa 0x155/1024 → 1.333… · 2^-2.
    expect(Array.from(t.data)).toEqual([1, -2, 65504, 2 ** -24, (1 + 0x155 / 1024) / 4, -0]);
  });

  it("BF16: 0x3F80 = 1, 0xC040 = −3, 0x4049 = 3.140625", () => {
    const path = file(fileBytes({ b: { dtype: "BF16", shape: [3], data_offsets: [0, 6] } }, u16le(0x3f80, 0xc040, 0x4049)));
    expect(Array.from(readSafetensors(path).tensors.get("b")!.data)).toEqual([1, -3, 3.140625]);
  });

  it("F64 converts to float32", () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setFloat64(0, 1.5, true);
    new DataView(bytes.buffer).setFloat64(8, 0.1, true);
    const path = file(fileBytes({ d: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, bytes));
    expect(Array.from(readSafetensors(path).tensors.get("d")!.data)).toEqual([1.5, Math.fround(0.1)]);
  });

  it("reads tensors at unaligned offsets", () => {
    // A 117-byte header and a 2-byte F16 first put the F32 at file offset 8 + 117 + 2 = 127.
    const header = JSON.stringify({
      h: { dtype: "F16", shape: [1], data_offsets: [0, 2] },
      f: { dtype: "F32", shape: [2], data_offsets: [2, 10] },
    });
    const padded = header + " ".repeat(117 - header.length);
    const path = file(fileBytes(padded, [...u16le(0x3c00), ...f32le(0x40000000, 0xbf800000)]));
    const f = readSafetensors(path);
    expect(Array.from(f.tensors.get("h")!.data)).toEqual([1]);
    expect(Array.from(f.tensors.get("f")!.data)).toEqual([2, -1]);
  });

  it("returns metadata and allows empty tensors", () => {
    const path = file(fileBytes({ __metadata__: { format: "pt" }, e: { dtype: "F32", shape: [0, 3], data_offsets: [0, 0] } }));
    const f = readSafetensors(path);
    expect(f.metadata).toEqual({ format: "pt" });
    expect(f.tensors.get("e")!.shape).toEqual([0, 3]);
  });

  it("warns about NaN and Inf by tensor name without throwing", () => {
    const path = file(fileBytes({
      ok: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      bad: { dtype: "F32", shape: [3], data_offsets: [4, 16] },
    }, f32le(0x3f800000, 0x7fc00000, 0x7f800000, 0xff800000)));
    const f = readSafetensors(path);
    expect(f.warnings).toHaveLength(1);
    expect(f.warnings[0]).toContain('"bad"');
    expect(f.warnings[0]).toMatch(/1 NaN and 2 infinite/);
    expect(Number.isNaN(f.tensors.get("bad")!.data[0])).toBe(true);
  });
});

describe("writeSafetensors", () => {
  it("round-trips through readSafetensors", () => {
    const path = `${dir}/roundtrip.safetensors`;
    const a = Tensor.from([[1, 2, 3], [4, 5, 6]]);
    const b = Tensor.from([0.1, -7.25]);
    writeSafetensors(path, { "model.a": a, b }, { format: "pt" });
    const f = readSafetensors(path);
    expect([...f.tensors.keys()]).toEqual(["model.a", "b"]);
    expect(f.tensors.get("model.a")!.toNested()).toEqual(a.toNested());
    expect(f.tensors.get("b")!.data).toEqual(b.data);
    expect(f.metadata).toEqual({ format: "pt" });
  });
});

describe("readSafetensors: malformed files", () => {
  const good = { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } };
  const one = f32le(0x3f800000);

  it("a file shorter than 8 bytes", () => {
    expectWeightsError(file(new Uint8Array(5)), { message: /at least 8 bytes.*found 5 bytes/ });
  });

  it("a header length past the end of the file", () => {
    expectWeightsError(file(fileBytes("{}", [], 1000n)), { message: /header length of at most 2 bytes.*found 1000 bytes/ });
  });

  it("a header length above 100 MB", () => {
    expectWeightsError(file(fileBytes("{}", [], 200_000_000n)), { message: /at most 100000000 bytes/ });
  });

  it("a header that is not UTF-8", () => {
    expectWeightsError(file(fileBytes(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))), { message: /UTF-8/ });
  });

  it("a header that is not JSON", () => {
    expectWeightsError(file(fileBytes("{not json")), { message: /expected a JSON header, found invalid JSON/ });
  });

  it("a header that is not an object", () => {
    expectWeightsError(file(fileBytes("[1, 2]")), { message: /JSON object header, found an array/ });
    expectWeightsError(file(fileBytes("null")), { message: /JSON object header, found null/ });
  });

  it("an entry missing a key", () => {
    expectWeightsError(file(fileBytes({ w: { shape: [1], data_offsets: [0, 4] } }, one)), { tensor: "w", message: /missing dtype/ });
  });

  it("an entry with an extra key", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4], strides: [1] } }, one)), { tensor: "w", message: /extra strides/ });
  });

  it("an entry that is not an object", () => {
    expectWeightsError(file(fileBytes({ w: [1, 2] }, one)), { tensor: "w", message: /found an array/ });
  });

  it("an unknown dtype, and a known but non-float one", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F17", shape: [1], data_offsets: [0, 4] } }, one)), { tensor: "w", message: /unknown dtype "F17"/ });
    expectWeightsError(file(fileBytes({ w: { dtype: "I32", shape: [1], data_offsets: [0, 4] } }, one)), { tensor: "w", message: /I32/ });
  });

  it("a shape that is not an array of non-negative integers", () => {
    for (const shape of [[-1], [1.5], "1", [null]]) {
      expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape, data_offsets: [0, 4] } }, one)), { tensor: "w", message: /non-negative integers/ });
    }
  });

  it("offsets that are not integers", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4.5] } }, one)), { tensor: "w", message: /data_offsets \[begin, end\] of non-negative integers/ });
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [1], data_offsets: [0] } }, one)), { tensor: "w", message: /data_offsets/ });
  });

  it("begin > end", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, one)), { tensor: "w", message: /begin <= end, found \[4, 0\]/ });
  });

  it("offsets past the end of the data section", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, one)), { tensor: "w", message: /within the 4-byte data section/ });
  });

  it("overlapping tensors", () => {
    const header = {
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    };
    const err = expectWeightsError(file(fileBytes(header, new Array(12).fill(0))), { tensor: "b", message: /overlaps tensor "a"/ });
    expect(err.found).toBe("data_offsets [4, 12]");
  });

  it("a gap between tensors", () => {
    const header = {
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
    };
    expectWeightsError(file(fileBytes(header, new Array(12).fill(0))), { tensor: "b", message: /bytes 4\.\.8 of the data section belong to no tensor/ });
  });

  it("data not starting at offset 0", () => {
    expectWeightsError(file(fileBytes({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0))), { tensor: "a", message: /starting at byte 0/ });
  });

  it("trailing bytes after the last tensor", () => {
    expectWeightsError(file(fileBytes(good, [...one, 0, 0, 0, 0])), { message: /4 trailing bytes/ });
  });

  it("a byte count that does not match the shape and dtype", () => {
    expectWeightsError(file(fileBytes({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0))), { tensor: "w", message: /expected 12 bytes \(3 elements of F32, shape \[3\]\), found 8 bytes/ });
    expectWeightsError(file(fileBytes({ w: { dtype: "BF16", shape: [2, 2], data_offsets: [0, 4] } }, new Array(4).fill(0))), { tensor: "w", message: /8 bytes/ });
  });

  it("metadata that is not an object of strings", () => {
    expectWeightsError(file(fileBytes({ __metadata__: { n: 1 }, ...good }, one)), { tensor: "__metadata__", message: /string values/ });
  });

  it("a missing file", () => {
    expect(() => readSafetensors(`${dir}/nope.safetensors`)).toThrow(WeightsError);
    expect(() => readSafetensors(`${dir}/nope.safetensors`)).toThrow(/ENOENT/);
  });
});
