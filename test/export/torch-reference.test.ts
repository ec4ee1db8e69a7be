// The reference graph of issue 15's comparison: scripts/bench-reference/torch-onnx-export.py
// runs torch.onnx.export on the PyTorch package archc writes, with archc's I/O. A second
// implementation of the same model: on the tiny Llama (GQA, tied embeddings) both graphs give
// the same logits for a prefill and decode steps through their KV caches, and `bench
// --engine ort --reference-onnx` runs the two side by side. Correctness only, no timing.
// Needs Debian's python3-torch; skipped with a message where it is missing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import onnxProto from "onnx-proto";
import { torchPython } from "../../src/cli/engines/torch.js";
import { archc } from "../cli/capture.js";

const tmp = mkdtempSync(join(tmpdir(), "archc-torch-ref-"));
const llamaCase = join(__dirname, "../../../shared/conformance/llama-tiny");
const mixtralCase = join(__dirname, "../../../shared/conformance/mixtral-tiny");
const script = join(__dirname, "../../scripts/bench-reference/torch-onnx-export.py");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const py = torchPython();
if (py.why) console.warn(`\n  skipping the torch.onnx.export reference tests: ${py.why}\n`);

type Session = Awaited<ReturnType<typeof import("onnxruntime-node").InferenceSession.create>>;

describe.runIf(!py.why)("torch.onnx.export reference graph", () => {
  const archcGraph = join(tmp, "archc");
  const torchGraph = join(tmp, "torch");
  beforeAll(async () => {
    process.env.ARCHC_CACHE = join(tmp, "cache");
    expect((await archc("export", llamaCase, "--onnx", "-o", archcGraph)).code).toBe(0);
    expect((await archc("export", llamaCase, "--torch", "-o", join(tmp, "pkg"))).code).toBe(0);
    const r = spawnSync(py.python!, [script, join(tmp, "pkg"), llamaCase, torchGraph], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  it("gives archc's logits for a prefill and decode steps through the KV cache", async () => {
    const ort = await import("onnxruntime-node");
    const config = JSON.parse(readFileSync(join(llamaCase, "config.json"), "utf8"));
    const [layers, kvHeads, headDim] = [config.num_hidden_layers, config.num_key_value_heads, config.hidden_size / config.num_attention_heads];
    const open = (dir: string) => ort.InferenceSession.create(join(dir, "model.onnx"), { executionProviders: ["cpu"], intraOpNumThreads: 1 });
    const step = (s: Session, ids: number[], done: number, past?: Record<string, InstanceType<typeof ort.Tensor>>) => {
      const i64 = (xs: number[]) => new ort.Tensor("int64", BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
        input_ids: i64(ids),
        attention_mask: i64(new Array(done + ids.length).fill(1)),
        position_ids: i64(ids.map((_, j) => done + j)),
      };
      for (let i = 0; i < layers; i++)
        for (const kind of ["key", "value"]) feeds[`past_key_values.${i}.${kind}`] = past?.[`present.${i}.${kind}`] ?? new ort.Tensor("float32", new Float32Array(0), [1, kvHeads, 0, headDim]);
      return s.run(feeds);
    };
    const [a, b] = [await open(archcGraph), await open(torchGraph)];
    let ids = [1, 17, 42, 99, 5];
    let done = 0;
    let pa, pb;
    for (let n = 0; n < 4; n++) {
      const [ra, rb] = [await step(a, ids, done, pa), await step(b, ids, done, pb)];
      const [la, lb] = [ra.logits!.data as Float32Array, rb.logits!.data as Float32Array];
      expect(ra.logits!.dims).toEqual(rb.logits!.dims);
      expect(ra["present.0.key"]!.dims).toEqual([1, kvHeads, done + ids.length, headDim]);
      expect(rb["present.0.key"]!.dims).toEqual(ra["present.0.key"]!.dims);
      for (let i = 0; i < la.length; i++) expect.soft(Math.abs(la[i]! - lb[i]!), `logit ${i} at call ${n}`).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(lb[i]!));
      const v = ra.logits!.dims[2]!;
      const last = Array.from(la.subarray(la.length - v));
      done += ids.length;
      ids = [last.indexOf(Math.max(...last))];
      [pa, pb] = [ra, rb];
    }
  });

  it("bench --engine ort --reference-onnx runs both graphs in one command (a shrunk run)", async () => {
    const r = await archc("bench", llamaCase, "--engine", "ort", "--reference-onnx", join(torchGraph, "model.onnx"), "--prompt-len", "8", "--steps", "2", "--rounds", "2", "--threads", "1", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.reference.prefill_tok_s).toHaveLength(2);
    expect(j.reference.decode_tok_s).toHaveLength(2);
    expect(typeof j.prefill_ratio_vs_reference).toBe("number");
    expect(typeof j.decode_ratio_vs_reference).toBe("number");
    expect(j.reference.decode_tok_per_cpu_s).toHaveLength(2);
    expect(typeof j.decode_cpu_ratio_vs_reference).toBe("number");
  });
});

describe("bench --reference-onnx", () => {
  it("needs a graph file with archc's I/O, and --engine ort", async () => {
    process.env.ARCHC_CACHE = join(tmp, "cache");
    const missing = await archc("bench", llamaCase, "--engine", "ort", "--reference-onnx", join(tmp, "nothing.onnx"), "--prompt-len", "4", "--steps", "1", "--rounds", "1");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("nothing.onnx");
    // An encoder graph's I/O is not a decoder's: reported by name.
    expect((await archc("export", "models/bert.arch:tiny", "--onnx", "-o", join(tmp, "bert"))).code).toBe(0);
    const wrong = await archc("bench", llamaCase, "--engine", "ort", "--reference-onnx", join(tmp, "bert", "model.onnx"), "--prompt-len", "4", "--steps", "1", "--rounds", "1");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/lacks .*position_ids/);
    expect((await archc("bench", llamaCase, "--reference-onnx", "x.onnx")).code).toBe(2);
  });
});

describe("sparse MoE in the graph", () => {
  it("runs each expert only on the rows routed to it: one NonZero, Gather and ScatterND per expert and layer", async () => {
    process.env.ARCHC_CACHE = join(tmp, "cache");
    const out = join(tmp, "mixtral");
    expect((await archc("export", mixtralCase, "--onnx", "-o", out)).code).toBe(0);
    const config = JSON.parse(readFileSync(join(mixtralCase, "config.json"), "utf8"));
    const calls = config.num_hidden_layers * config.num_local_experts;
    const g = onnxProto.onnx.ModelProto.decode(readFileSync(join(out, "model.onnx"))).graph!;
    const count = (op: string) => g.node.filter((n) => n.opType === op).length;
    expect(count("NonZero")).toBe(calls);
    expect(count("ScatterND")).toBe(calls);
    // Every expert's first projection reads gathered rows, never the whole batch.
    const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    const firstMatMuls = g.node.filter((n) => n.opType === "MatMul" && /experts\.\d+\/[^/]+\/MatMul$/.test(n.name) && !/down|w2/.test(n.name));
    expect(firstMatMuls.length).toBeGreaterThanOrEqual(calls);
    for (const m of firstMatMuls) expect(producer.get(m.input[0]!)?.opType, m.name).toBe("Gather");
  });
});
