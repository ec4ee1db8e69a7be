// `archc export --onnx` and `--engine ort` from the command line: the files written, what the
// protobuf says when read back with the schema package (opset, external data, names from the
// .arch file), located diagnostics for what cannot be exported, and the engine's run and bench.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, OPSET } from "../../src/compiler/export/onnx/proto.js";
import { archc } from "../cli/capture.js";

const tmp = mkdtempSync(join(tmpdir(), "archc-onnx-cli-"));
const llamaCase = join(__dirname, "../../../shared/conformance/llama-tiny");
beforeAll(() => {
  process.env.ARCHC_CACHE = join(tmp, "cache");
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("archc export --onnx", () => {
  it("writes model.onnx with its weights as external data, under their state-dict names", async () => {
    const out = join(tmp, "llama");
    const r = await archc("export", llamaCase, "--onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    for (const f of ["model.onnx", "model.onnx_data", "archc-onnx.json", "config.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    const m = decodeModel(readFileSync(join(out, "model.onnx")));
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", OPSET]]);
    expect(OPSET).toBeGreaterThanOrEqual(17);
    const g = m.graph!;
    expect(g.input.map((i) => i.name)).toEqual(["input_ids", "attention_mask", "position_ids", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"]);
    expect(g.output.map((o) => o.name)).toEqual(["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"]);
    // Every checkpoint tensor is an external initializer of that name (lm_head is tied: stored once).
    const ck = JSON.parse(readFileSync(join(llamaCase, "model.safetensors")).subarray(8, 8 + Number(readFileSync(join(llamaCase, "model.safetensors")).readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    const stored = Object.keys(ck).filter((k) => k !== "__metadata__").sort();
    const external = g.initializer.filter((t) => t.dataLocation === 1);
    expect(external.map((t) => t.name).sort()).toEqual(stored);
    for (const t of external) expect(t.externalData.find((e) => e.key === "location")?.value).toBe("model.onnx_data");
    // Readable names: nodes under their module path, locals under their .arch names, .arch locations as doc strings.
    const names = g.node.map((n) => n.name);
    expect(names).toContain("model/layers.0/self_attn/q_proj/MatMul");
    expect(g.node.some((n) => n.output.includes("model/layers.0/self_attn/q"))).toBe(true);
    expect(g.node.find((n) => n.name.startsWith("model/layers.0/self_attn/rope/"))?.docString).toMatch(/models\/llama\.arch:\d+:\d+ rope$/);
    expect(g.node.every((n) => n.domain === "" || n.domain === null || n.domain === undefined)).toBe(true);
  });

  it("exports a preset with random weights, and an encoder-decoder as two graphs", async () => {
    const out = join(tmp, "t5");
    const r = await archc("export", "models/t5.arch:tiny", "--onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain("random weights");
    const manifest = JSON.parse(readFileSync(join(out, "archc-onnx.json"), "utf8"));
    expect(manifest.encoder.model).toBe("encoder_model.onnx");
    expect(manifest.model).toBe("decoder_model.onnx");
    const enc = decodeModel(readFileSync(join(out, "encoder_model.onnx"))).graph!;
    expect(enc.input.map((i) => i.name)).toEqual(["input_ids", "attention_mask"]);
    expect(enc.output.map((o) => o.name)).toEqual(["last_hidden_state"]);
    const dec = decodeModel(readFileSync(join(out, "decoder_model.onnx"))).graph!;
    expect(dec.input.map((i) => i.name).slice(0, 3)).toEqual(["input_ids", "encoder_attention_mask", "encoder_hidden_states"]);
    // Optimum's seq2seq cache: per layer, the decoder's self-attention and the cross-attention keys/values.
    expect(dec.input.map((i) => i.name).slice(3, 7)).toEqual(["past_key_values.0.decoder.key", "past_key_values.0.decoder.value", "past_key_values.0.encoder.key", "past_key_values.0.encoder.value"]);
    expect(dec.output.map((o) => o.name).slice(0, 5)).toEqual(["logits", "present.0.decoder.key", "present.0.decoder.value", "present.0.encoder.key", "present.0.encoder.value"]);
  });

  it("caches an encoder-decoder's cross-attention keys and values: computed on the first step, read from the past after", async () => {
    const out = join(tmp, "t5");
    if (!existsSync(join(out, "decoder_model.onnx"))) expect((await archc("export", "models/t5.arch:tiny", "--onnx", "-o", out)).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "archc-onnx.json"), "utf8"));
    const dec = decodeModel(readFileSync(join(out, "decoder_model.onnx"))).graph!;
    const layers = manifest.cache.filter((c: { pastKey: string }) => c.pastKey.endsWith(".encoder.key")).length;
    expect(layers).toBeGreaterThan(0);
    expect(dec.node.filter((n) => n.opType === "If")).toHaveLength(layers);
    const ort = await import("onnxruntime-node");
    const [encoder, decoder] = [await ort.InferenceSession.create(join(out, "encoder_model.onnx")), await ort.InferenceSession.create(join(out, "decoder_model.onnx"))];
    const i64 = (xs: number[]) => new ort.Tensor("int64", BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
    const mask = i64([1, 1, 1, 1]);
    const states = (await encoder.run({ input_ids: i64([5, 6, 7, 8]), attention_mask: mask })).last_hidden_state!;
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { input_ids: i64([0]), encoder_attention_mask: mask, encoder_hidden_states: states };
    for (const c of manifest.cache) {
      feeds[c.pastKey] = new ort.Tensor("float32", new Float32Array(0), [1, c.kvHeads, 0, c.headDim]);
      feeds[c.pastValue] = new ort.Tensor("float32", new Float32Array(0), [1, c.kvHeads, 0, c.valueDim]);
    }
    const first = await decoder.run(feeds);
    const crossKey = manifest.cache.find((c: { pastKey: string }) => c.pastKey.endsWith(".encoder.key"));
    expect(first[crossKey.presentKey]!.dims).toEqual([1, crossKey.kvHeads, 4, crossKey.headDim]);
    const second = async (scaleCross: number) => {
      const next: Record<string, InstanceType<typeof ort.Tensor>> = { ...feeds, input_ids: i64([3]) };
      for (const c of manifest.cache) {
        const cross = c.pastKey.endsWith(".encoder.key");
        for (const [past, present] of [[c.pastKey, c.presentKey], [c.pastValue, c.presentValue]]) {
          const t = first[present]!;
          next[past] = cross ? new ort.Tensor("float32", (t.data as Float32Array).map((x) => x * scaleCross), t.dims) : t;
        }
      }
      const r = await decoder.run(next);
      // The cached cross keys/values pass through unchanged.
      expect(Array.from(r[crossKey.presentKey]!.data as Float32Array)).toEqual(Array.from(next[crossKey.pastKey]!.data as Float32Array));
      return Array.from(r.logits!.data as Float32Array);
    };
    // A later step reads the cache rather than recomputing it: altered cached values change the logits.
    expect(await second(0.5)).not.toEqual(await second(1));
  });

  it("reports what ONNX cannot express yet at its .arch location, exit 1", async () => {
    const file = join(tmp, "dyn.arch");
    writeFileSync(
      file,
      readFileSync("models/llama.arch", "utf8")
        .replace(/^arch Llama \{/m, "arch DynLlama {")
        .replace(/hf "llama" \{[^}]*\}/, "")
        .replace(/q = rope\(q, theta = theta, scaling = rope_scaling/, 'q = rope(q, theta = theta, scaling = "dynamic"'),
    );
    const r = await archc("export", `${file}:tiny`, "--onnx", "-o", join(tmp, "dyn"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dyn\.arch:\d+:\d+: error\[E0652\]: rope scaling "dynamic"/);
  });

  it("needs a target and an output folder", async () => {
    expect((await archc("export", llamaCase, "-o", join(tmp, "x"))).code).toBe(2);
    expect((await archc("export", llamaCase, "--onnx")).code).toBe(2);
  });
});

describe("--engine ort", () => {
  it("run generates the bundled runtime's tokens", async () => {
    const bundled = await archc("run", llamaCase, "--ids", "1,2,3", "--generate", "5", "--json");
    const ort = await archc("run", llamaCase, "--ids", "1,2,3", "--generate", "5", "--engine", "ort", "--json");
    expect(ort.code, ort.err).toBe(0);
    expect(JSON.parse(ort.out).tokens).toEqual(JSON.parse(bundled.out).tokens);
  });

  it("verify --json reports the engine", async () => {
    const r = await archc("verify", llamaCase, "--engine", "ort", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.engine).toBe("ort");
    expect(j.pass).toBe(true);
    expect(j.generate.pass).toBe(true);
  });

  it("bench follows the protocol's JSON (a shrunk run)", async () => {
    const r = await archc("bench", llamaCase, "--engine", "ort", "--prompt-len", "8", "--steps", "3", "--rounds", "2", "--threads", "1", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.engine).toBe("ort");
    expect(j.prefill_tok_s).toHaveLength(2);
    expect(j.decode_tok_s).toHaveLength(2);
    expect(j.prompt_tokens).toBe(8);
    expect(j.decode_steps).toBe(3);
  });

  it("rejects an unknown engine", async () => {
    expect((await archc("verify", llamaCase, "--engine", "tensorrt")).code).toBe(2);
  });
});
