// `archc verify CASE --engine ort`: the conformance case through the exported ONNX graph on
// onnxruntime-node — the same comparisons and report as the bundled runtime's verify.
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { IntTensor } from "../../runtime/index.js";
import type { Workspace } from "../../compiler/workspace.js";
import { compareCase, type CaseInputs, type VerifyReport } from "../verify.js";
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
  const { folder, manifest, config } = exportedCheckpoint(ws, dir, { intermediates: true });
  const model = await OrtModel.open(folder, manifest);
  const raw = readJson(join(dir, "inputs.json"), "inputs.json");
  const feed: Record<string, IntTensor | undefined> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== "attention_mask") feed[k] = rowsOf(v);
  const mask = rowsOf(raw.attention_mask);
  const { output, emitted } = await model.forward(feed, mask);
  let generate: CaseInputs["generate"];
  let generated: number[] | undefined;
  const genPath = join(dir, "generate.json");
  // An encoder graph alone generates nothing; encoder-decoder cases run the decoder graph.
  if (existsSync(genPath) && manifest.kind !== "encoder") {
    const g = readJson(genPath, "generate.json");
    const expected = g.new_token_ids as number[];
    const start = decoderStartOf(config).decoderStart;
    generate = { prompt: g.prompt_input_ids as number[], expected, maxNewTokens: Number(g.max_new_tokens ?? expected.length), ...(start ? { decoderStart: start } : {}) };
    generated = await model.generate(generate.prompt, generate.maxNewTokens, undefined, start);
  }
  const inputs: CaseInputs = { name: basename(dir.replace(/\/+$/, "")), feed, ...(mask ? { mask } : {}), ...(generate ? { generate } : {}) };
  return { ...compareCase(dir, inputs, output, emitted, generated), engine: "ort" };
}
