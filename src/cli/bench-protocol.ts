// The measurement protocol of shared/bench/README.md, applied to a loaded model: a fixed
// prompt, one prefill pass, greedy decoding steps with the KV cache, an untimed warm-up
// round, timed rounds from an empty cache, medians. Nothing here loads the compiler, so the
// process that measures holds only the runtime and the weights.
import { readFileSync } from "node:fs";
import { argmaxRow, IntTensor, type ModelSession, type Tensor } from "../runtime/index.js";

export interface BenchSettings {
  promptLength: number;
  steps: number;
  rounds: number;
  warmupSteps: number;
}

/** The protocol's values; the CLI lets tests shrink them, never the defaults. */
export const PROTOCOL: BenchSettings = { promptLength: 128, steps: 128, rounds: 3, warmupSteps: 8 };

/**
 * ids[0] = 1 (BOS), ids[i] = (1 + 7919·i) mod 32000. A model with a smaller vocabulary
 * (test checkpoints only) takes them modulo its vocabulary.
 */
export function protocolPrompt(length: number, vocab = 32000): number[] {
  const ids = [1];
  for (let i = 1; i < length; i++) ids.push(((1 + 7919 * i) % 32000) % vocab);
  return ids.slice(0, length);
}

export interface RoundTimes {
  prefillSeconds: number;
  decodeSeconds: number;
  /** CPU time of the process (every thread) over the same calls: on a shared machine, what wall time would be if it had the cores alone. */
  prefillCpuSeconds: number;
  decodeCpuSeconds: number;
  tokens: number[];
}

/** CPU time of the process so far (every thread), in seconds. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export type Progress = (phase: "prefill" | "decode", step: number, of: number) => void;

function lastLogitsArgmax(output: Tensor): number {
  const vocab = output.shape[output.shape.length - 1]!;
  return argmaxRow(output.data, output.data.length - vocab, vocab);
}

/**
 * One round from an empty cache: prefill the prompt, then `steps` greedy single-token
 * steps. Timers wrap the forward calls and the argmax only (progress reports fall
 * outside them).
 */
export function runRound(session: ModelSession, prompt: number[], steps: number, progress?: Progress, ctx = session.newContext(true)): RoundTimes {
  const input = session.streamInput ?? "input_ids";
  // An emptied cache: rounds reuse one context's KV buffers instead of leaving the last
  // round's to the garbage collector.
  ctx.reset();
  progress?.("prefill", 0, 1);
  let c0 = cpuSeconds();
  let t0 = performance.now();
  // The protocol's prefill produces the logits of the last position only.
  // Like generation: nothing emitted is read, and the logits are read before the next call.
  const opts = { lastPosition: true, emitted: false, lendOutput: true };
  let output = session.forward({ [input]: new IntTensor(Int32Array.from(prompt), [1, prompt.length]) }, ctx, undefined, opts).output;
  const prefillSeconds = (performance.now() - t0) / 1000;
  const prefillCpuSeconds = cpuSeconds() - c0;
  progress?.("decode", 0, steps);
  let decodeMs = 0;
  let decodeCpu = 0;
  const tokens: number[] = [];
  for (let step = 0; step < steps; step++) {
    c0 = cpuSeconds();
    t0 = performance.now();
    const id = lastLogitsArgmax(output);
    output = session.forward({ [input]: new IntTensor(Int32Array.of(id), [1, 1]) }, ctx, undefined, opts).output;
    decodeMs += performance.now() - t0;
    decodeCpu += cpuSeconds() - c0;
    tokens.push(id);
    if ((step + 1) % 16 === 0 || step + 1 === steps) progress?.("decode", step + 1, steps);
  }
  return { prefillSeconds, decodeSeconds: decodeMs / 1000, prefillCpuSeconds, decodeCpuSeconds: decodeCpu, tokens };
}

export interface BenchResult {
  prefill_tok_s: number[];
  decode_tok_s: number[];
  /** Tokens per CPU-second of the process (all threads): a supplement for shared machines, not the protocol's figure. */
  prefill_tok_per_cpu_s: number[];
  decode_tok_per_cpu_s: number[];
  tokens: number[];
}

export type RoundProgress = (round: number, rounds: number, phase: "warmup" | "prefill" | "decode", step: number, of: number, last?: RoundTimes) => void;

/** Warm-up (prefill + warmupSteps), then the timed rounds. */
export function runBench(session: ModelSession, prompt: number[], s: BenchSettings, progress?: RoundProgress): BenchResult {
  const ctx = session.newContext(true);
  // Every round's sequence: the prompt, then a position for each decoding step's token.
  ctx.expectedPositions = prompt.length + s.steps;
  runRound(session, prompt, Math.min(s.warmupSteps, s.steps), (_p, step, of) => progress?.(0, s.rounds, "warmup", step, of), ctx);
  const prefill: number[] = [];
  const decode: number[] = [];
  const prefillCpu: number[] = [];
  const decodeCpu: number[] = [];
  let tokens: number[] = [];
  for (let r = 1; r <= s.rounds; r++) {
    const t = runRound(session, prompt, s.steps, (phase, step, of) => progress?.(r, s.rounds, phase, step, of), ctx);
    prefill.push(prompt.length / t.prefillSeconds);
    decode.push(s.steps / t.decodeSeconds);
    prefillCpu.push(prompt.length / t.prefillCpuSeconds);
    decodeCpu.push(s.steps / t.decodeCpuSeconds);
    tokens = t.tokens;
    progress?.(r, s.rounds, "decode", s.steps, s.steps, t);
  }
  return { prefill_tok_s: prefill, decode_tok_s: decode, prefill_tok_per_cpu_s: prefillCpu, decode_tok_per_cpu_s: decodeCpu, tokens };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Peak resident set size of this process in MB: VmHWM, or maxRSS where /proc is absent. */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}
