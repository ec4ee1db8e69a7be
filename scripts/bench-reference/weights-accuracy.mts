// How far bfloat16 or int8 weights move a model's outputs from its float32 weights, on the
// bench protocol's prompt (shared/bench/README.md): the float32 model prefills the 128-token
// prompt and decodes 128 greedy steps; the other model is fed the same tokens (teacher
// forcing, so every step compares logits for the same context) and at every position
// (the prefill's last and each step) we record the largest |logit difference|, its size
// relative to the float32 logits' range, and whether the argmax (top-1) agrees. Also run
// free: how many greedy tokens the two produce identically before they first differ.
//
//   npx tsx scripts/bench-reference/weights-accuracy.mts CKPT_DIR [int8|bf16] [--steps N]
//
// Prints one JSON line. Not part of the tests (it takes seconds to minutes on the bench models).
import { IntTensor, setThreads, type ModelSession, type Tensor, type WeightMode } from "../../src/runtime/index.js";
import { argmaxRow } from "../../src/runtime/index.js";
import { loadCheckpoint } from "../../src/cli/checkpoint.js";
import { protocolPrompt } from "../../src/cli/bench-protocol.js";
import { workspaceFor } from "../../src/cli/commands/model-ref.js";

const args = process.argv.slice(2);
const dir = args[0];
const mode = (args[1] && !args[1].startsWith("--") ? args[1] : "int8") as WeightMode;
const stepsAt = args.indexOf("--steps");
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 128;
if (!dir || !["int8", "bf16"].includes(mode) || !Number.isInteger(steps) || steps < 0) {
  process.stderr.write("usage: weights-accuracy.mts CKPT_DIR [int8|bf16] [--steps N]\n");
  process.exit(2);
}
if (process.env.ARCHC_THREADS === undefined) setThreads(2);

const ws = workspaceFor([]);
const ref = (await loadCheckpoint(ws, dir, undefined, { weights: "fp32" })).session;
const test = (await loadCheckpoint(ws, dir, undefined, { weights: mode })).session;

function lastRow(t: Tensor): Float32Array {
  const v = t.shape[t.shape.length - 1]!;
  return t.data.subarray(t.data.length - v);
}

function forward(s: ModelSession, ctx: ReturnType<ModelSession["newContext"]>, ids: number[]): Float32Array {
  const input = s.streamInput ?? "input_ids";
  const out = s.forward({ [input]: new IntTensor(Int32Array.from(ids), [1, ids.length]) }, ctx, undefined, { lastPosition: true }).output;
  return lastRow(out);
}

const vocab = Number(ref.cfg.vocab ?? 32000);
const prompt = protocolPrompt(128, vocab);

// Teacher-forced: both models see the float32 model's greedy tokens.
const rc = ref.newContext(true);
const tc = test.newContext(true);
let a = forward(ref, rc, prompt);
let b = forward(test, tc, prompt);
let maxErr = 0;
let maxRel = 0;
let agree = 0;
const positions = steps + 1;
for (let step = 0; step <= steps; step++) {
  let lo = Infinity;
  let hi = -Infinity;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]!);
    hi = Math.max(hi, a[i]!);
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  maxErr = Math.max(maxErr, err);
  maxRel = Math.max(maxRel, err / (hi - lo));
  const next = argmaxRow(a, 0, a.length);
  if (next === argmaxRow(b, 0, b.length)) agree++;
  if (step === steps) break;
  a = forward(ref, rc, [next]);
  b = forward(test, tc, [next]);
}

// Free-running greedy decoding of each model on its own tokens.
function greedy(s: ModelSession): number[] {
  const ctx = s.newContext(true);
  let logits = forward(s, ctx, prompt);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const id = argmaxRow(logits, 0, logits.length);
    out.push(id);
    logits = forward(s, ctx, [id]);
  }
  return out;
}
const ga = greedy(ref);
const gb = greedy(test);
let firstDiff = ga.findIndex((t, i) => t !== gb[i]);
if (firstDiff < 0) firstDiff = steps;

const r6 = (x: number) => Number(x.toPrecision(6));
process.stdout.write(
  `${JSON.stringify({
    model: dir.replace(/\/+$/, "").split("/").pop(),
    weights: mode,
    positions,
    max_abs_logit_err: r6(maxErr),
    max_err_over_logit_range: r6(maxRel),
    top1_agreement: r6(agree / positions),
    top1_agree_count: agree,
    greedy_identical_prefix: firstDiff,
    greedy_steps: steps,
  })}\n`,
);
process.exit(0);
