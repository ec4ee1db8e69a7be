// Loading a checkpoint folder through the CLI (`archc verify` / `archc run`) when something in
// it is wrong: config.json, inputs.json or the safetensors. Each mistake ends in exit code 1
// and one clear message that names the file, the key or tensor, and what was expected versus
// found; never an internal error or a stack trace. Every case edits a temporary copy of a
// conformance case (the shared fixtures are never touched).
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors, Tensor, writeSafetensors } from "../../src/runtime/index.js";
import { archc, type CliRun } from "./capture.js";

const fixture = join(__dirname, "../../../shared/conformance/llama-tiny");
const scratch = mkdtempSync(join(tmpdir(), "archc-loaders-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** A writable copy of the llama-tiny case, changed by `edit`. */
function caseWith(edit: (dir: string) => void): string {
  const dir = join(scratch, `case${n++}`);
  cpSync(fixture, dir, { recursive: true });
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  edit(dir);
  return dir;
}

const json = (dir: string, file: string, edit: (j: Record<string, unknown>) => unknown) => {
  const path = join(dir, file);
  const j = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify(edit(j) ?? j));
};
const config = (edit: (j: Record<string, unknown>) => unknown) => caseWith((d) => json(d, "config.json", edit));
const inputs = (value: unknown) => caseWith((d) => writeFileSync(join(d, "inputs.json"), JSON.stringify(value)));
const weights = (edit: (m: Map<string, Tensor>) => void) =>
  caseWith((d) => {
    const path = join(d, "model.safetensors");
    const m = new Map(readSafetensors(path).tensors);
    edit(m);
    writeSafetensors(path, Object.fromEntries(m));
  });

function expectUserError(r: CliRun, ...parts: (string | RegExp)[]): void {
  const all = r.err + r.out;
  expect(r.code, all).toBe(1);
  expect(all).not.toMatch(/internal error/);
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+/);
  for (const p of parts) expect(all).toMatch(p);
}

describe("config.json", () => {
  it("missing: names the file", async () => {
    const dir = caseWith((d) => rmSync(join(d, "config.json")));
    expectUserError(await archc("verify", dir), `${dir}/config.json`, /config\.json not found/);
  });

  it("not JSON: names the file and the parse error", async () => {
    const dir = caseWith((d) => writeFileSync(join(d, "config.json"), "{ hidden_size: 64,"));
    expectUserError(await archc("verify", dir), `${dir}/config.json`, /not valid JSON/);
  });

  it("not an object", async () => {
    const dir = caseWith((d) => writeFileSync(join(d, "config.json"), "[64]"));
    expectUserError(await archc("verify", dir), `${dir}/config.json`, /expected a JSON object/);
  });

  it("a missing size key: every mis-shaped tensor named with expected and found shapes, and the defaulted key noted", async () => {
    const dir = config((j) => void delete j.hidden_size);
    const r = await archc("verify", dir);
    expectUserError(r, `${dir}/model.safetensors`, /tensor model\.embed_tokens\.weight: expected shape \[160, 4096\], found \[160, 64\]/, /note: .*config\.json has no `hidden_size`: d = 4096/);
  });

  it("missing the keys that select an architecture", async () => {
    const dir = config((j) => {
      delete j.model_type;
      delete j.architectures;
    });
    expectUserError(await archc("verify", dir), `${dir}/config.json`, /no architecture in models\/ handles/);
  });

  it("unknown keys: each one named", async () => {
    const dir = config((j) => Object.assign(j, { frobnicate: 3, zzz_scale: 1.5 }));
    expectUserError(await archc("verify", dir), `${dir}/config.json`, /2 keys that Llama does not understand: frobnicate, zzz_scale/);
  });

  const mistyped: [string, unknown, RegExp][] = [
    ["hidden_size", "64", /`hidden_size` should be int for hyperparameter `d`[\s\S]*found: "64"/],
    ["hidden_size", 64.5, /`hidden_size` should be int[\s\S]*found: 64\.5/],
    ["tie_word_embeddings", 1, /`tie_word_embeddings` should be bool/],
    ["rms_norm_eps", "tiny", /`rms_norm_eps` should be float/],
    ["rope_scaling", 7, /`rope_scaling` should be an object[\s\S]*found: 7/],
    ["hidden_size", { value: 64 }, /`hidden_size` has a value archc cannot read/],
  ];
  for (const [key, value, message] of mistyped) {
    it(`mistyped: ${key} = ${JSON.stringify(value)}`, async () => {
      const dir = config((j) => Object.assign(j, { [key]: value }));
      expectUserError(await archc("verify", dir), `${dir}/config.json`, message);
    });
  }

  it("an absurd size (10^9 layers) is refused before anything is allocated", async () => {
    const dir = config((j) => Object.assign(j, { num_hidden_layers: 1_000_000_000 }));
    expectUserError(await archc("run", dir), `${dir}/config.json`, /more than 1,000,000 elements/);
  });
});

describe("inputs.json", () => {
  const cases: [string, unknown, RegExp][] = [
    ["a token id outside the vocabulary", { input_ids: [[1, 2, 160]] }, /input_ids\[0\]\[2\] = 160 is not a token id in 0\.\.159/],
    ["a negative token id", { input_ids: [[1, -2]] }, /input_ids\[0\]\[1\] = -2 is not a token id/],
    ["a fractional token id", { input_ids: [[1.5]] }, /input_ids\[0\]\[0\] = 1\.5 is not a token id/],
    ["an empty sequence", { input_ids: [[]] }, /input_ids has an empty sequence/],
    ["an empty batch", { input_ids: [] }, /input_ids must be a non-empty list of token lists/],
    ["a ragged batch", { input_ids: [[1, 2, 3], [4, 5]] }, /input_ids is ragged: row 0 has 3 tokens, row 1 has 2/],
    ["not a list", { input_ids: "1 2 3" }, /input_ids must be a non-empty list/],
    ["an input the model does not have", { ids: [[1, 2]] }, /`ids` is not an input of the model: Llama \(ForCausalLM\) reads input_ids, attention_mask/],
    ["no input_ids", { attention_mask: [[1, 1]] }, /no `input_ids`/],
    ["a mask with another batch size", { input_ids: [[1, 2]], attention_mask: [[1, 1], [1, 1]] }, /input_ids has 1 rows but attention_mask has 2/],
  ];
  for (const [what, value, message] of cases) {
    it(what, async () => {
      const dir = inputs(value);
      expectUserError(await archc("verify", dir), `${dir}/inputs.json`, message);
    });
  }

  it("missing", async () => {
    const dir = caseWith((d) => rmSync(join(d, "inputs.json")));
    expectUserError(await archc("verify", dir), `${dir}/inputs.json`, /inputs\.json not found/);
  });
});

describe("model.safetensors against what the model declares", () => {
  it("a missing tensor: named, with its expected shape and the file", async () => {
    const dir = weights((m) => m.delete("model.norm.weight"));
    expectUserError(await archc("verify", dir), `${dir}/model.safetensors: 1 weight problem`, /missing tensor model\.norm\.weight \(expected shape \[64\]\)/);
  });

  it("an unexpected tensor: named, with its shape", async () => {
    const dir = weights((m) => m.set("model.extra.weight", Tensor.zeros([2, 3])));
    expectUserError(await archc("verify", dir), `${dir}/model.safetensors`, /unexpected tensor model\.extra\.weight \(shape \[2, 3\]\): the model declares no such parameter/);
  });

  it("a mis-shaped tensor: named, expected and found", async () => {
    const dir = weights((m) => m.set("model.layers.1.mlp.up_proj.weight", Tensor.zeros([112, 63])));
    expectUserError(await archc("run", dir), `${dir}/model.safetensors`, /tensor model\.layers\.1\.mlp\.up_proj\.weight: expected shape \[112, 64\], found \[112, 63\]/);
  });

  it("every problem at once, not only the first", async () => {
    const dir = weights((m) => {
      m.delete("model.norm.weight");
      m.set("model.layers.0.input_layernorm.weight", Tensor.zeros([65]));
      m.set("stray", Tensor.zeros([1]));
    });
    expectUserError(await archc("verify", dir), /3 weight problems/, /missing tensor model\.norm\.weight/, /model\.layers\.0\.input_layernorm\.weight: expected shape \[64\], found \[65\]/, /unexpected tensor stray/);
  });

  it("a dtype the model cannot load: the file, the tensor, the loadable dtypes and the one found", async () => {
    const dir = caseWith((d) => {
      const path = join(d, "model.safetensors");
      const bytes = readFileSync(path);
      const len = Number(bytes.readBigUInt64LE(0));
      const header = bytes.subarray(8, 8 + len).toString("utf8");
      const first = header.indexOf('"F32"');
      bytes.write('"I32"', 8 + Buffer.byteLength(header.slice(0, first)));
      writeFileSync(path, bytes);
    });
    expectUserError(await archc("verify", dir), `${dir}/model.safetensors: tensor "`, /expected a dtype among F32, F16, BF16, F64, found I32/);
  });

  it("a truncated file", async () => {
    const dir = caseWith((d) => {
      const path = join(d, "model.safetensors");
      writeFileSync(path, readFileSync(path).subarray(0, 1000));
    });
    expectUserError(await archc("run", dir), `${dir}/model.safetensors`, /header runs past the end of the file/);
  });

  it("no weights file at all", async () => {
    const dir = caseWith((d) => rmSync(join(d, "model.safetensors")));
    expectUserError(await archc("run", dir), dir, /expected model\.safetensors or model\.safetensors\.index\.json, found neither/);
  });

  it("NaN and infinite weights: a warning naming the file and the tensor (run still runs)", async () => {
    const dir = weights((m) => {
      const t = m.get("model.norm.weight")!;
      t.data[3] = NaN;
      t.data[4] = -Infinity;
    });
    const r = await archc("run", dir, "--ids", "1,2");
    expect(r.code).toBe(0);
    expect(r.err).toContain(`warning: ${dir}/model.safetensors: tensor "model.norm.weight" contains 1 NaN and 1 infinite value(s)`);
    const v = await archc("verify", dir);
    expect(v.err).toContain(`warning: ${dir}/model.safetensors: tensor "model.norm.weight" contains 1 NaN`);
    expect(v.out).toMatch(/FAIL logits +max abs err not finite/);
  });
});
