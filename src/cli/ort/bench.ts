// `archc bench CKPT --engine ort`: the protocol of shared/bench/README.md (fixed prompt,
// one prefill, greedy decode steps through the KV cache, an untimed warm-up, medians of the
// timed rounds) on the exported graph in onnxruntime-node's CPU execution provider.
import { basename } from "node:path";
import { loadavg } from "node:os";
import type { Workspace } from "../../compiler/workspace.js";
import { median, peakRssMb, protocolPrompt, type BenchSettings } from "../bench-protocol.js";
import { exportedCheckpoint } from "./cache.js";
import { OrtModel } from "./session.js";

export async function benchOrt(ws: Workspace, dir: string, threads: number, settings: BenchSettings): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const { folder, manifest, config } = exportedCheckpoint(ws, dir);
  const model = await OrtModel.open(folder, manifest, threads);
  const loadSeconds = (performance.now() - t0) / 1000;
  const vocab = Number(config.vocab_size ?? 32000);
  const prompt = protocolPrompt(settings.promptLength, vocab);
  const round = async (steps: number) => {
    const seq = model.sequence();
    let t = performance.now();
    let next = await seq.feed(prompt);
    const prefill = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < steps; i++) next = await seq.feed([next]);
    return { prefill, decode: (performance.now() - t) / 1000 };
  };
  await round(settings.warmupSteps);
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let r = 0; r < settings.rounds; r++) {
    const x = await round(settings.steps);
    prefill.push(prompt.length / x.prefill);
    decode.push(settings.steps / x.decode);
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    model: basename(dir.replace(/\/+$/, "")),
    engine: "ort",
    threads,
    prefill_tok_s: prefill.map(r2),
    decode_tok_s: decode.map(r2),
    prefill_tok_s_median: r2(median(prefill)),
    decode_tok_s_median: r2(median(decode)),
    // Same process as the exporter (the graph is written first, or read from the cache).
    peak_rss_mb: r2(peakRssMb()),
    load_s: r2(loadSeconds),
    load_avg_1m: r2(loadavg()[0]!),
    prompt_tokens: prompt.length,
    decode_steps: settings.steps,
    prefill: "batched",
    node: process.version,
  };
}
