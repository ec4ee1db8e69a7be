// The measuring process of `archc bench`. The parent compiles the model (TypeScript
// compiler and all) and starts this process with the generated JavaScript, so the peak
// memory measured here is that of running the model: the runtime, the weights (read
// straight into the kernels' shared memory), activations and KV cache. Prints one JSON
// line on stdout; progress goes to stderr.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename } from "node:path";
import * as runtime from "../runtime/index.js";
import { asUserError } from "./user-error.js";
import { heldBytes, mapSource, PackedTensor, ModelSession, readCheckpointDir, setThreads, sharedArray, sharedBytes, kernelBackend, type GeneratedModel, type WeightMode } from "../runtime/index.js";
import { kernels } from "../runtime/kernels/index.js";
import { DeferredTensor } from "../runtime/weights/deferred.js";
import { median, peakRssMb, protocolPrompt, runBench, type BenchSettings } from "./bench-protocol.js";

export interface ChildJob {
  /** The generated module, transpiled to CommonJS. */
  moduleFile: string;
  dir: string;
  root: string;
  values: Record<string, unknown>;
  threads: number;
  settings: BenchSettings;
  model?: string;
  /** How weight matrices are held (--weights). */
  weights?: WeightMode;
}

function instantiate(js: string): GeneratedModel {
  const exports: Record<string, unknown> = {};
  const require = (id: string): unknown => {
    if (id === "archc/runtime") return runtime;
    throw new Error(`generated code may only import archc/runtime, not ${id}`);
  };
  new Function("require", "exports", "module", js)(require, exports, { exports });
  return exports as unknown as GeneratedModel;
}

function progressLine(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}`.padEnd(78));
}

export function runChild(job: ChildJob): Record<string, unknown> {
  setThreads(job.threads);
  const model = job.model ?? basename(job.dir.replace(/\/+$/, ""));
  const t0 = performance.now();
  const mod = instantiate(readFileSync(job.moduleFile, "utf8"));
  // Into the kernels' shared memory, each tensor read when first used (embedding rows when looked up).
  const weights = job.weights ?? "auto";
  const ck = readCheckpointDir(job.dir, { alloc: sharedArray, allocBytes: sharedBytes, defer: true, weights });
  const session = new ModelSession(mod, job.values, mapSource(job.dir, ck.tensors), job.root);
  const loadSeconds = (performance.now() - t0) / 1000;
  const vocab = Number(session.cfg.vocab ?? 32000);
  const prompt = protocolPrompt(job.settings.promptLength, vocab);
  const label = `${model}, ${job.threads} thread${job.threads === 1 ? "" : "s"}`;
  const r = runBench(session, prompt, job.settings, (round, rounds, phase, step, of, last) => {
    if (last) process.stderr.write(`${process.stderr.isTTY ? "\r" : ""}${label}: round ${round}/${rounds}: prefill ${(prompt.length / last.prefillSeconds).toFixed(1)} tok/s, decode ${(job.settings.steps / last.decodeSeconds).toFixed(1)} tok/s`.padEnd(78) + "\n");
    else progressLine(`${label}: ${round === 0 ? "warm-up" : `round ${round}/${rounds}`}: ${phase}${phase === "decode" ? ` ${step}/${of}` : ""}`);
  });
  const round = (x: number) => Math.round(x * 100) / 100;
  let weightBytes = 0;
  // What the weights hold at the end (bfloat16 and int8 matrices as such; from shapes and
  // storages: reading .data would load a deferred weight or widen a packed one).
  // What a decode step reads: every weight read whole (not a lookup table's few rows).
  let streamedBytes = 0;
  for (const t of ck.tensors.values()) {
    weightBytes += heldBytes(t);
    if (!((t instanceof DeferredTensor || t instanceof PackedTensor) && !t.resident)) streamedBytes += heldBytes(t);
  }
  return {
    model,
    threads: job.threads,
    prefill_tok_s: r.prefill_tok_s.map(round),
    decode_tok_s: r.decode_tok_s.map(round),
    peak_rss_mb: round(peakRssMb()),
    prefill_tok_s_median: round(median(r.prefill_tok_s)),
    decode_tok_s_median: round(median(r.decode_tok_s)),
    prefill_tok_per_cpu_s: r.prefill_tok_per_cpu_s.map(round),
    decode_tok_per_cpu_s: r.decode_tok_per_cpu_s.map(round),
    load_s: round(loadSeconds),
    load_avg_1m: round(loadavg()[0]!),
    weight_mb: round(weightBytes / 2 ** 20),
    weights,
    decode_bytes_per_token: streamedBytes,
    kernels: kernelBackend(),
    // Where the resident memory is: the kernels' heap (weights, KV cache, staged activations).
    wasm_heap_mb: round((kernels()?.heap.reservedBytes ?? 0) / 2 ** 20),
    prompt_tokens: prompt.length,
    decode_steps: job.settings.steps,
    prefill: "batched",
    node: process.version,
  };
}

// Started as a process: the job is the JSON in argv[2].
const job = process.argv[2];
if (job && process.argv[1] && /bench-child\.[jt]s$/.test(process.argv[1])) {
  try {
    const result = runChild(JSON.parse(job) as ChildJob);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Idle workers sleep in Atomics.wait and are unref'd; exit without waiting for GC.
    process.exit(0);
  } catch (e) {
    // The parent reports it as its own error: a user's mistake is exit 1 with its message
    // (a missing tensor), anything else an internal error; never a stack trace here.
    const user = asUserError(e);
    const err = e as Error;
    process.stdout.write(`${JSON.stringify({ error: user?.kind ?? "InternalError", user: !!user, message: user?.error.message ?? err?.message ?? String(e), ...(process.env.ARCHC_DEBUG ? { stack: err?.stack } : {}) })}\n`);
    process.exit(1);
  }
}
