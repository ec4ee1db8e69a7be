// `archc verify CASE_DIR`: runs a conformance case (shared/conformance/README.md) through
// the generated code and compares every expected tensor and the greedy generation.
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { generate, IntTensor, readSafetensors, type Tensor, type WeightMode } from "../runtime/index.js";
import type { Workspace } from "../compiler/workspace.js";
import type { ArchIR } from "../compiler/ir/model.js";
import { error, DiagnosticError } from "../compiler/diagnostics/diagnostic.js";
import { loadCheckpoint, readJson } from "./checkpoint.js";
import { decoderStartOf } from "./generation-config.js";
import { MAX_NEW_TOKENS } from "./generation-limits.js";

export interface TensorReport {
  maxAbsErr: number;
  atol: number;
  rtol: number;
  pass: boolean;
  produced: boolean;
  shape?: string;
}

/**
 * Tolerances for weights narrowed at load (`--weights int8|bf16`), in place of the case's
 * float32 ones, which only float32 weights can meet: an expected tensor passes when every
 * element is within `relative` × max|expected| of it. Measured over every conformance case
 * (docs/performance.md gives the largest error seen per case), with a margin of ~2×.
 */
export const NARROWED_WEIGHT_TOLERANCE: Record<"int8" | "bf16", { relative: number }> = {
  int8: { relative: 0.2 },
  bf16: { relative: 0.1 },
};


function intRows(json: Record<string, unknown>, key: string, file: string, vocab?: number): IntTensor | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((r) => Array.isArray(r))) {
    throw new DiagnosticError([error("E0502", undefined, `${file}: ${key} must be a non-empty list of token lists`)]);
  }
  const rows = v as unknown[][];
  const len = rows[0]!.length;
  if (len === 0) throw new DiagnosticError([error("E0502", undefined, `${file}: ${key} has an empty sequence`)]);
  rows.forEach((r, i) => {
    if (r.length !== len) throw new DiagnosticError([error("E0502", undefined, `${file}: ${key} is ragged: row 0 has ${len} tokens, row ${i} has ${r.length}`)]);
    r.forEach((x, j) => {
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || (vocab !== undefined && key !== "attention_mask" && key !== "token_type_ids" && x >= vocab)) {
        throw new DiagnosticError([error("E0502", undefined, `${file}: ${key}[${i}][${j}] = ${JSON.stringify(x)} is not a token id${vocab !== undefined ? ` in 0..${vocab - 1}` : ""}`)]);
      }
    });
  });
  return new IntTensor(Int32Array.from(rows.flat() as number[]), [rows.length, len]);
}

/** `json[key]`: a list of token ids (in the vocabulary when it is known), at least `min` long. */
function tokenList(json: Record<string, unknown>, key: string, file: string, vocab: number | undefined, min: number): number[] {
  const v = json[key];
  if (!Array.isArray(v) || v.length < min) {
    throw new DiagnosticError([error("E0502", undefined, `${file}: ${key} must be a list of token ids${min ? " (not empty)" : ""}, found ${v === undefined ? "nothing" : JSON.stringify(v).slice(0, 60)}`)]);
  }
  v.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || (vocab !== undefined && x >= vocab)) {
      throw new DiagnosticError([error("E0502", undefined, `${file}: ${key}[${i}] = ${JSON.stringify(x)} is not a token id${vocab !== undefined ? ` in 0..${vocab - 1}` : ""}`)]);
    }
  });
  return v as number[];
}

export function compare(actual: Tensor | undefined, expected: Tensor, atol: number, rtol: number): TensorReport {
  if (!actual) return { maxAbsErr: Infinity, atol, rtol, pass: false, produced: false };
  if (actual.data.length !== expected.data.length) {
    return { maxAbsErr: Infinity, atol, rtol, pass: false, produced: true, shape: `[${actual.shape.join(", ")}] vs expected [${expected.shape.join(", ")}]` };
  }
  let maxAbsErr = 0;
  let pass = true;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const d = Math.abs(actual.data[i]! - e);
    if (!(d <= atol + rtol * Math.abs(e))) pass = false;
    if (d > maxAbsErr || Number.isNaN(d)) maxAbsErr = Number.isNaN(d) ? Infinity : d;
  }
  return { maxAbsErr, atol, rtol, pass, produced: true };
}

export interface VerifyReport {
  case: string;
  /** The engine that ran the case (archc's runtime unless --engine says otherwise). */
  engine?: string;
  /** How the weights were held (--weights), and the tolerance that applied to them. */
  weights: WeightMode;
  tolerance: string;
  pass: boolean;
  tensors: Record<string, TensorReport>;
  /** Greedy generation: with narrowed weights its tokens are reported, not a pass criterion. */
  generate?: { pass: boolean; expected: number[]; actual: number[]; checked: boolean };
  /** Non-fatal findings while loading (e.g. weights holding NaN or infinite values). */
  warnings: string[];
}

/** A case's inputs, checked against the inputs the model reads. */
export interface CaseInputs {
  name: string;
  feed: Record<string, IntTensor | undefined>;
  mask?: IntTensor;
  /** The greedy-generation reference, when the case has one. */
  generate?: { prompt: number[]; expected: number[]; maxNewTokens: number; decoderStart?: number[] };
}

export function readCaseInputs(dir: string, inputNames: string[], model: { arch: string; root: string; forwardParams: { name: string; ids: boolean; optional: boolean }[] }, config: Record<string, unknown>): CaseInputs {
  const name = basename(dir.replace(/\/+$/, ""));
  const inputsPath = join(dir, "inputs.json");
  const inputs = readJson(inputsPath, "inputs.json");
  const vocab = typeof config.vocab_size === "number" ? config.vocab_size : typeof config.padded_vocab_size === "number" ? config.padded_vocab_size : undefined;
  const feed: Record<string, IntTensor | undefined> = {};
  const bad = (message: string) => new DiagnosticError([error("E0502", undefined, `${inputsPath}: ${message}`)]);
  const reads = `${model.arch} (${model.root}) reads ${[...inputNames, "attention_mask"].join(", ")}`;
  const unknown = Object.keys(inputs).filter((k) => k !== "attention_mask" && !inputNames.includes(k));
  if (unknown.length) throw bad(`${unknown.map((k) => `\`${k}\``).join(", ")} ${unknown.length > 1 ? "are not inputs" : "is not an input"} of the model: ${reads}`);
  for (const n of inputNames) feed[n] = intRows(inputs, n, inputsPath, vocab);
  const required = model.forwardParams.filter((p) => p.ids && !p.optional).map((p) => p.name);
  const absent = required.filter((n) => feed[n] === undefined);
  if (absent.length) throw bad(`no ${absent.map((k) => `\`${k}\``).join(", ")}: ${reads}`);
  const mask = intRows(inputs, "attention_mask", inputsPath);
  const rows = [...Object.entries(feed), ["attention_mask", mask] as const].filter(([, t]) => t !== undefined) as [string, IntTensor][];
  const mixed = rows.find(([, t]) => t.shape[0] !== rows[0]![1].shape[0]);
  if (mixed) throw bad(`${rows[0]![0]} has ${rows[0]![1].shape[0]} rows but ${mixed[0]} has ${mixed[1].shape[0]}`);
  const first = Object.entries(feed).find(([, t]) => t !== undefined) as [string, IntTensor] | undefined;
  if (mask && first && (mask.shape[0] !== first[1].shape[0] || mask.shape[1] !== first[1].shape[1])) {
    throw bad(`attention_mask is [${mask.shape.join(", ")}] but ${first[0]} is [${first[1].shape.join(", ")}]: the mask has one 0/1 entry per token`);
  }
  let generate: CaseInputs["generate"];
  const genPath = join(dir, "generate.json");
  if (existsSync(genPath)) {
    const g = readJson(genPath, "generate.json");
    const prompt = tokenList(g, "prompt_input_ids", genPath, vocab, 1);
    const expected = tokenList(g, "new_token_ids", genPath, vocab, 0);
    const maxNew = g.max_new_tokens ?? expected.length;
    if (typeof maxNew !== "number" || !Number.isInteger(maxNew) || maxNew < 0 || maxNew > MAX_NEW_TOKENS) {
      throw new DiagnosticError([error("E0502", undefined, `${genPath}: max_new_tokens must be an integer from 0 to ${MAX_NEW_TOKENS}, found ${JSON.stringify(maxNew)}`)]);
    }
    generate = { prompt, expected, maxNewTokens: maxNew, ...decoderStartOf(config) };
  }
  return { name, feed, ...(mask ? { mask } : {}), ...(generate ? { generate } : {}) };
}

/** Compares what an engine produced with the case's expected tensors and generation. */
export function compareCase(dir: string, inputs: CaseInputs, output: Tensor | undefined, emitted: Map<string, Tensor>, generated: number[] | undefined, warnings: string[] = [], weights: WeightMode = "auto"): VerifyReport {
  const narrowed = weights === "int8" || weights === "bf16" ? NARROWED_WEIGHT_TOLERANCE[weights] : undefined;
  const meta = existsSync(join(dir, "meta.json")) ? readJson(join(dir, "meta.json"), "meta.json") : {};
  const expected = readSafetensors(join(dir, "expected.safetensors")).tensors;
  const tol = (meta.tolerance_per_tensor ?? {}) as Record<string, { atol: number; rtol: number }>;
  const dflt = (meta.tolerance ?? { atol: 1e-4, rtol: 1e-4 }) as { atol: number; rtol: number };
  const tensors: Record<string, TensorReport> = {};
  for (const [k, t] of expected) {
    // A name without an index (`last_hidden_state`) is a tensor the model emits once: `name.0`.
    const single = !/\.\d+$/.test(k) && !emitted.has(`${k}.1`) ? emitted.get(`${k}.0`) : undefined;
    const actual = k === "logits" ? output : (emitted.get(k) ?? single);
    if (narrowed) {
      let max = 0;
      for (const v of t.data) max = Math.max(max, Math.abs(v));
      tensors[k] = compare(actual, t, narrowed.relative * max, 0);
    } else {
      const { atol, rtol } = tol[k] ?? dflt;
      tensors[k] = compare(actual, t, atol, rtol);
    }
  }
  let gen: VerifyReport["generate"];
  if (inputs.generate) {
    const want = inputs.generate.expected;
    const actual = generated ?? [];
    gen = { pass: actual.length === want.length && actual.every((x, i) => x === want[i]), expected: want, actual, checked: !narrowed };
  }
  const pass = Object.values(tensors).every((t) => t.pass) && (!gen?.checked || gen.pass);
  const tolerance = narrowed ? `${weights} weights: |actual − expected| <= ${narrowed.relative} × max|expected| per tensor (measured for ${weights}; not the float32 tolerance)` : "the case's float32 tolerance (meta.json)";
  return { case: inputs.name, weights, tolerance, pass, tensors, ...(gen ? { generate: gen } : {}), warnings };
}

export function forwardParamsOf(arch: ArchIR, root: string): { name: string; ids: boolean; optional: boolean }[] {
  return (arch.blocks.get(root)?.forward?.params ?? []).map((p) => ({ name: p.name, ids: p.type.ids, optional: !!p.default }));
}

export interface VerifyOptions {
  /** The architectures that may run the case (default: every one loaded, i.e. the zoo). */
  archs?: Iterable<ArchIR>;
  /** How weight matrices are held (`--weights`); narrowed ones are checked at their own tolerance. */
  weights?: WeightMode;
  /** The memory the model may take (`--max-memory`), instead of what the machine has. */
  maxMemory?: number;
}

export async function verifyCase(ws: Workspace, dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const weights = options.weights ?? "auto";
  const loaded = await loadCheckpoint(ws, dir, undefined, options);
  const { session } = loaded;
  const inputs = readCaseInputs(dir, session.inputNames, { arch: loaded.arch.name, root: loaded.root, forwardParams: forwardParamsOf(loaded.arch, loaded.root) }, loaded.config);
  const { output, emitted } = session.forward(inputs.feed, session.newContext(false), inputs.mask);
  const g = inputs.generate;
  const generated = g ? generate(session, g.prompt, { maxNewTokens: g.maxNewTokens, ...(g.decoderStart ? { decoderStart: g.decoderStart } : {}) }) : undefined;
  return compareCase(dir, inputs, output, emitted, generated, loaded.warnings, weights);
}

export function formatVerify(r: VerifyReport): string {
  const lines = [`${r.case}: ${r.pass ? "PASS" : "FAIL"}${r.engine ? ` (engine ${r.engine})` : ""} (weights: ${r.weights}; tolerance: ${r.tolerance})`];
  const width = Math.max(...Object.keys(r.tensors).map((k) => k.length), 6);
  for (const [k, t] of Object.entries(r.tensors)) {
    const err = t.produced ? (Number.isFinite(t.maxAbsErr) ? t.maxAbsErr.toExponential(2) : t.shape ? `shape ${t.shape}` : "not finite (NaN or infinity)") : "not produced";
    lines.push(`  ${t.pass ? "ok  " : "FAIL"} ${k.padEnd(width)}  max abs err ${err}  (atol ${t.atol}, rtol ${t.rtol})`);
  }
  if (r.generate) {
    const g = r.generate;
    const same = g.actual.filter((x, i) => x === g.expected[i]).length;
    const status = g.pass ? "ok  " : g.checked ? "FAIL" : "info";
    const detail = g.pass ? `${g.actual.length} greedy tokens identical` : `expected ${g.expected.join(",")} got ${g.actual.join(",")}${g.checked ? "" : ` (${same}/${g.expected.length} identical; not checked with ${r.weights} weights)`}`;
    lines.push(`  ${status} ${"generate".padEnd(width)}  ${detail}`);
  }
  return lines.join("\n");
}
