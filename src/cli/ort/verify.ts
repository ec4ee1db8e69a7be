// `archc verify CASE --engine ort`: the conformance case through the exported ONNX graph on
// onnxruntime-node — the same comparisons and report as the bundled runtime's verify.
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { IntTensor, readSafetensors } from "../../runtime/index.js";
import type { Workspace } from "../../compiler/workspace.js";
import { compare, type TensorReport, type VerifyReport } from "../verify.js";
import { readJson } from "../checkpoint.js";
import { exportedCheckpoint } from "./cache.js";
import { OrtModel } from "./session.js";
import { decoderStartOf } from "../generation-config.js";

const rowsOf = (v: unknown): IntTensor | undefined => {
  if (!Array.isArray(v) || !v.length) return undefined;
  const rows = v as number[][];
  return new IntTensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
};

export async function verifyCaseOrt(ws: Workspace, dir: string): Promise<VerifyReport> {
  const name = basename(dir.replace(/\/+$/, ""));
  const { folder, manifest, config } = exportedCheckpoint(ws, dir, { intermediates: true });
  const model = await OrtModel.open(folder, manifest);
  const inputs = readJson(join(dir, "inputs.json"), "inputs.json");
  const meta = existsSync(join(dir, "meta.json")) ? readJson(join(dir, "meta.json"), "meta.json") : {};
  const feed: Record<string, IntTensor | undefined> = {};
  for (const [k, v] of Object.entries(inputs)) if (k !== "attention_mask") feed[k] = rowsOf(v);
  const { output, emitted } = await model.forward(feed, rowsOf(inputs.attention_mask));
  const expected = readSafetensors(join(dir, "expected.safetensors")).tensors;
  const tol = (meta.tolerance_per_tensor ?? {}) as Record<string, { atol: number; rtol: number }>;
  const dflt = (meta.tolerance ?? { atol: 1e-4, rtol: 1e-4 }) as { atol: number; rtol: number };
  const tensors: Record<string, TensorReport> = {};
  for (const [k, t] of expected) {
    const single = !/\.\d+$/.test(k) && !emitted.has(`${k}.1`) ? emitted.get(`${k}.0`) : undefined;
    const actual = k === "logits" ? output : (emitted.get(k) ?? single);
    const { atol, rtol } = tol[k] ?? dflt;
    tensors[k] = compare(actual, t, atol, rtol);
  }
  let gen: VerifyReport["generate"];
  const genPath = join(dir, "generate.json");
  if (existsSync(genPath) && manifest.kind !== "encoder") {
    const g = readJson(genPath, "generate.json");
    const expectedIds = g.new_token_ids as number[];
    const actual = await model.generate(g.prompt_input_ids as number[], Number(g.max_new_tokens ?? expectedIds.length), undefined, decoderStartOf(config).decoderStart);
    gen = { pass: actual.length === expectedIds.length && actual.every((x, i) => x === expectedIds[i]), expected: expectedIds, actual };
  }
  const pass = Object.values(tensors).every((t) => t.pass) && (gen?.pass ?? true);
  return { case: name, pass, tensors, ...(gen ? { generate: gen } : {}), warnings: [] };
}
