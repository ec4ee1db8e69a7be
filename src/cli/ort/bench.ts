// `archc bench CKPT --engine ort`: the protocol of shared/bench/README.md (fixed prompt,
// one prefill, greedy decode steps through the KV cache, an untimed warm-up, medians of the
// timed rounds) on the exported graph in onnxruntime-node's CPU execution provider.
// `--reference-onnx GRAPH` runs a second graph with the same I/O (a torch.onnx.export of the
// same checkpoint, scripts/bench-reference/torch-onnx-export.py) in the same process,
// round by round interleaved with archc's, so the two are compared under the same load.
import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { loadavg } from "node:os";
import type { Workspace } from "../../compiler/workspace.js";
import { cpuSeconds, median, peakRssMb, protocolPrompt, type BenchSettings } from "../bench-protocol.js";
import { UserError } from "../user-error.js";
import { exportedCheckpoint } from "./cache.js";
import { OrtModel } from "./session.js";

interface Rates {
  prefill: number[];
  decode: number[];
  /** Tokens per second of the process's CPU time (every thread): on a shared machine, what one
   * thread would reach with a core of its own (at 2 threads it also counts onnxruntime's spinning). */
  prefillCpu: number[];
  decodeCpu: number[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** One protocol round on `model`: a prefill of the prompt, then `steps` greedy decode steps. */
async function round(model: OrtModel, prompt: number[], steps: number): Promise<{ prefill: number; decode: number; prefillCpu: number; decodeCpu: number }> {
  const seq = model.sequence();
  let t = performance.now();
  let c = cpuSeconds();
  let next = await seq.feed(prompt);
  const prefill = (performance.now() - t) / 1000;
  const prefillCpu = cpuSeconds() - c;
  t = performance.now();
  c = cpuSeconds();
  for (let i = 0; i < steps; i++) next = await seq.feed([next]);
  return { prefill, decode: (performance.now() - t) / 1000, prefillCpu, decodeCpu: cpuSeconds() - c };
}

/** The reference graph, checked to take and give what archc's graph does. */
async function openReference(path: string, archc: OrtModel, threads: number): Promise<OrtModel> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UserError("FileError", `--reference-onnx: no file ${path}`);
  const ref = await OrtModel.open(dirname(file), { ...archc.manifest, model: basename(file), encoder: undefined }, threads);
  const missing = [...archc.manifest.inputs.filter((n) => !ref.graphInputs.includes(n)), ...archc.manifest.outputs.filter((n) => !ref.graphOutputs.includes(n))];
  for (const c of archc.manifest.cache) for (const n of [c.presentKey, c.presentValue]) if (!ref.graphOutputs.includes(n)) missing.push(n);
  if (missing.length > 0)
    throw new UserError(
      "FileError",
      `--reference-onnx ${path} lacks ${missing.join(", ")}: the reference graph must have archc's I/O (input_ids, attention_mask, position_ids, past_key_values.{i}.key|value -> logits, present.{i}.key|value)`,
    );
  return ref;
}

export async function benchOrt(ws: Workspace, dir: string, threads: number, settings: BenchSettings, referenceOnnx?: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const { folder, manifest, config } = exportedCheckpoint(ws, dir);
  const model = await OrtModel.open(folder, manifest, threads);
  const loadSeconds = (performance.now() - t0) / 1000;
  const reference = referenceOnnx === undefined ? undefined : await openReference(referenceOnnx, model, threads);
  const vocab = Number(config.vocab_size ?? 32000);
  const prompt = protocolPrompt(settings.promptLength, vocab);
  const ours: Rates = { prefill: [], decode: [], prefillCpu: [], decodeCpu: [] };
  const theirs: Rates = { prefill: [], decode: [], prefillCpu: [], decodeCpu: [] };
  const timed = async (m: OrtModel, into: Rates) => {
    const x = await round(m, prompt, settings.steps);
    into.prefill.push(prompt.length / x.prefill);
    into.decode.push(settings.steps / x.decode);
    into.prefillCpu.push(prompt.length / x.prefillCpu);
    into.decodeCpu.push(settings.steps / x.decodeCpu);
  };
  await round(model, prompt, settings.warmupSteps);
  if (reference) await round(reference, prompt, settings.warmupSteps);
  for (let r = 0; r < settings.rounds; r++) {
    // Interleaved, the order alternating, so neither graph always runs second (warmer caches, other load).
    const first = r % 2 === 0 || !reference;
    if (first) await timed(model, ours);
    if (reference) await timed(reference, theirs);
    if (!first) await timed(model, ours);
  }
  const result: Record<string, unknown> = {
    model: basename(dir.replace(/\/+$/, "")),
    engine: "ort",
    threads,
    ...rateFields(ours),
    // Same process as the exporter (the graph is written first, or read from the cache).
    peak_rss_mb: r2(peakRssMb()),
    load_s: r2(loadSeconds),
    load_avg_1m: r2(loadavg()[0]!),
    prompt_tokens: prompt.length,
    decode_steps: settings.steps,
    prefill: "batched",
    node: process.version,
  };
  if (reference) {
    result.reference = {
      graph: referenceOnnx,
      ...rateFields(theirs),
    };
    result.prefill_ratio_vs_reference = r2(median(ours.prefill) / median(theirs.prefill));
    result.decode_ratio_vs_reference = r2(median(ours.decode) / median(theirs.decode));
    // The same ratios by CPU time: steadier than wall time when other processes share the cores.
    result.prefill_cpu_ratio_vs_reference = r2(median(ours.prefillCpu) / median(theirs.prefillCpu));
    result.decode_cpu_ratio_vs_reference = r2(median(ours.decodeCpu) / median(theirs.decodeCpu));
  }
  return result;
}

/** One graph's rounds as the protocol's JSON fields (per round, medians, per CPU-second). */
function rateFields(r: Rates): Record<string, number | number[]> {
  return {
    prefill_tok_s: r.prefill.map(r2),
    decode_tok_s: r.decode.map(r2),
    prefill_tok_s_median: r2(median(r.prefill)),
    decode_tok_s_median: r2(median(r.decode)),
    prefill_tok_per_cpu_s: r.prefillCpu.map(r2),
    decode_tok_per_cpu_s: r.decodeCpu.map(r2),
  };
}
