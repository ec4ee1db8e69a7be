import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpointDir, Tensor, WeightsError, writeSafetensors } from "../../src/runtime/index.js";
import { tempDir } from "./safetensors-bytes.js";

const created: string[] = [];
afterAll(() => created.forEach((d) => rmSync(d, { recursive: true, force: true })));

function checkpoint(files: Record<string, Record<string, Tensor>>, index?: object): string {
  const dir = tempDir();
  created.push(dir);
  for (const [name, tensors] of Object.entries(files)) writeSafetensors(join(dir, name), tensors);
  if (index) writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify(index));
  return dir;
}

function caught(f: () => unknown): WeightsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return e as WeightsError;
  }
  return expect.fail("expected a WeightsError");
}

const a = Tensor.from([1, 2]);
const b = Tensor.from([[3]]);
const c = Tensor.from([4, 5, 6]);

describe("readCheckpointDir", () => {
  it("reads a single model.safetensors", () => {
    const dir = checkpoint({ "model.safetensors": { a, b } });
    const w = readCheckpointDir(dir);
    expect([...w.tensors.keys()]).toEqual(["a", "b"]);
    expect(w.files).toEqual([join(dir, "model.safetensors")]);
  });

  it("reads shards listed by the index", () => {
    const dir = checkpoint(
      { "model-00001-of-00002.safetensors": { a, b }, "model-00002-of-00002.safetensors": { c } },
      { metadata: { total_size: 24 }, weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00001-of-00002.safetensors", c: "model-00002-of-00002.safetensors" } },
    );
    const w = readCheckpointDir(dir);
    expect([...w.tensors.keys()].sort()).toEqual(["a", "b", "c"]);
    expect(Array.from(w.tensors.get("c")!.data)).toEqual([4, 5, 6]);
    expect(w.files).toHaveLength(2);
    expect(w.warnings).toEqual([]);
  });

  it("names a listed tensor missing from its shard", () => {
    const dir = checkpoint(
      { "s1.safetensors": { a }, "s2.safetensors": { c } },
      { weight_map: { a: "s1.safetensors", b: "s1.safetensors", c: "s2.safetensors" } },
    );
    const err = caught(() => readCheckpointDir(dir));
    expect(err.tensor).toBe("b");
    expect(err.file).toBe(join(dir, "s1.safetensors"));
    expect(err.message).toContain('"b"');
  });

  it("names a missing shard file", () => {
    const dir = checkpoint({ "s1.safetensors": { a } }, { weight_map: { a: "s1.safetensors", b: "s2.safetensors" } });
    const err = caught(() => readCheckpointDir(dir));
    expect(err.file).toBe(join(dir, "s2.safetensors"));
    expect(err.tensor).toBe("b");
  });

  it("warns about unlisted tensors and rejects an index without weight_map", () => {
    const dir = checkpoint({ "s1.safetensors": { a, b } }, { weight_map: { a: "s1.safetensors" } });
    const w = readCheckpointDir(dir);
    expect(w.warnings.join("\n")).toMatch(/"b" is not listed/);
    const bad = checkpoint({ "s1.safetensors": { a } }, { files: [] });
    expect(caught(() => readCheckpointDir(bad)).message).toMatch(/weight_map/);
  });

  it("rejects shard paths outside the directory", () => {
    const dir = checkpoint({}, { weight_map: { a: "../elsewhere.safetensors" } });
    expect(caught(() => readCheckpointDir(dir)).tensor).toBe("a");
  });

  it("reports a directory with neither file", () => {
    const dir = checkpoint({});
    const err = caught(() => readCheckpointDir(dir));
    expect(err.file).toBe(dir);
    expect(err.message).toMatch(/model\.safetensors or model\.safetensors\.index\.json/);
  });
});
