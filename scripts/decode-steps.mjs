// Decode-only timing of the bundled runtime, for CPU profiles and A/B runs of per-token
// JavaScript: loads a checkpoint directory the way `archc bench`'s measuring process does
// (weights into the kernels' shared memory), prefills a prompt, then times decode steps
// alone (CPU time of the process, every thread, and wall time).
//
//   node scripts/decode-steps.mjs DIR [--threads N] [--prompt 128] [--steps 64] [--reps 3] [--weights auto] [--dist DIST]
//   node scripts/decode-steps.mjs DIR --ab OTHER_DIST [--blocks 40] [--block 16] [--threads N]
//   node scripts/decode-steps.mjs DIR --profile-decode --reps 1 --steps 256
//
// --dist picks the built tree (default: this checkout's dist/). --ab loads a second built
// tree into the same process (its own runtime, heap and thread pool) and alternates blocks
// of decode steps between the two: on a shared machine, the median of the per-pair ratios
// of CPU time is what an A/B comparison of per-token costs can rely on. --profile-decode
// starts a CPU profile (inspector, 100 µs sampling) after prefill and warm-up, so that it is
// of decode steps alone (with --reps 1; the file lands in the cwd). Prints one JSON line.
import { writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dir = args[0];
if (!dir || dir.startsWith("--")) {
  console.error("usage: node scripts/decode-steps.mjs CHECKPOINT_DIR [--threads N] [--prompt N] [--steps N] [--reps N] [--weights MODE] [--dist DIR] [--ab DIR [--blocks N] [--block N]] [--profile-decode]");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(opt("dist", join(here, "..", "dist")));
const threads = Number(opt("threads", "1"));
const promptLength = Number(opt("prompt", "128"));
const steps = Number(opt("steps", "64"));
const reps = Number(opt("reps", "3"));
/** How weight matrices are held, as `archc bench --weights` (auto, fp32, bf16, int8). */
const weightMode = opt("weights", "auto");

/** A model loaded through the runtime of the built tree `tree`: prefill and decode steps. */
async function loadModel(tree) {
  const load = (p) => import(pathToFileURL(join(tree, "src", p)).href);
  const rt = await load("runtime/index.js");
  const { configValues, readJson } = await load("cli/checkpoint.js");
  const { workspaceFor } = await load("cli/commands/model-ref.js");
  const { generateModule } = await load("compiler/codegen/module.js");
  const { protocolPrompt } = await load("cli/bench-protocol.js");
  const { ts } = await import("ts-morph");
  const cfgPath = join(dir, "config.json");
  const { arch, root, values } = configValues(workspaceFor([]), readJson(cfgPath, "config.json"), cfgPath);
  const generated = await generateModule(arch);
  // As `archc bench` transpiles it: without esModuleInterop, whose __importStar would put a
  // getter in front of every `rt.…` access of the generated code (not what the product runs).
  const js = ts.transpileModule(generated.text, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
  }).outputText;
  const mod = {};
  new Function("require", "exports", "module", js)(() => rt, mod, { exports: mod });
  rt.setThreads(threads);
  const ck = rt.readCheckpointDir(dir, { alloc: rt.sharedArray, allocBytes: rt.sharedBytes, defer: true, weights: weightMode });
  const session = new rt.ModelSession(mod, values, rt.mapSource(dir, ck.tensors), root);
  const prompt = protocolPrompt(promptLength, Number(session.cfg.vocab ?? 32000));
  const input = session.streamInput ?? "input_ids";
  const ctx = session.newContext(true);
  const fwdOpts = { lastPosition: true, emitted: false, lendOutput: true };
  let out;
  let position = 0;
  const model = {
    kernels: rt.kernelBackend(),
    prefill() {
      ctx.reset();
      ctx.expectedPositions = promptLength + Math.max(steps, 256) + 8;
      out = session.forward({ [input]: new rt.IntTensor(Int32Array.from(prompt), [1, prompt.length]) }, ctx, undefined, fwdOpts).output;
      position = promptLength;
    },
    /** One greedy step; returns the token fed. */
    step() {
      const v = out.shape[out.shape.length - 1];
      const id = rt.argmaxRow(out.data, out.data.length - v, v);
      out = session.forward({ [input]: new rt.IntTensor(Int32Array.of(id), [1, 1]) }, ctx, undefined, fwdOpts).output;
      position++;
      return id;
    },
    get position() {
      return position;
    },
  };
  return model;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** CPU and wall µs per token over n steps of `model`. */
function timeSteps(model, n) {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const ids = [];
  for (let s = 0; s < n; s++) ids.push(model.step());
  return { cpu: ((cpuSeconds() - c0) / n) * 1e6, wall: ((performance.now() - t0) * 1e3) / n, ids };
}

const other = opt("ab", undefined);
if (other !== undefined) {
  const blocks = Number(opt("blocks", "40"));
  const block = Number(opt("block", "16"));
  const a = await loadModel(dist);
  const b = await loadModel(resolve(other));
  const cpuRatios = [];
  const wallRatios = [];
  const cpuA = [];
  const cpuB = [];
  for (const m of [a, b]) {
    m.prefill();
    timeSteps(m, 8);
  }
  for (let i = 0; i < blocks; i++) {
    // The same positions for both (a sequence restarts before 128 new tokens); A first on even blocks, B first on odd ones.
    for (const m of [a, b]) if (m.position + block > promptLength + 128) m.prefill();
    const order = i % 2 === 0 ? [a, b] : [b, a];
    const r = new Map(order.map((m) => [m, timeSteps(m, block)]));
    const ra = r.get(a);
    const rb = r.get(b);
    cpuA.push(ra.cpu);
    cpuB.push(rb.cpu);
    cpuRatios.push(rb.cpu / ra.cpu);
    wallRatios.push(rb.wall / ra.wall);
  }
  console.log(JSON.stringify({
    a: dist, b: resolve(other), threads, kernels: a.kernels, blocks, block,
    cpu_us_per_token_a: Math.round(median(cpuA)), cpu_us_per_token_b: Math.round(median(cpuB)),
    cpu_ratio_b_over_a_median: Math.round(median(cpuRatios) * 1000) / 1000,
    wall_ratio_b_over_a_median: Math.round(median(wallRatios) * 1000) / 1000,
  }));
  process.exit(0);
}

const model = await loadModel(dist);
let inspector;
if (args.includes("--profile-decode")) {
  const { Session } = await import("node:inspector");
  inspector = new Session();
  inspector.connect();
}
const post = (m, p) => new Promise((res, rej) => inspector.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
const cpu = [];
const wall = [];
let tokens = [];
for (let r = 0; r <= reps; r++) {
  model.prefill();
  if (r === 1 && inspector) {
    await post("Profiler.enable");
    await post("Profiler.setSamplingInterval", { interval: 100 });
    await post("Profiler.start");
  }
  // Round 0 warms up.
  const t = timeSteps(model, r === 0 ? 8 : steps);
  if (r > 0) {
    cpu.push(t.cpu);
    wall.push(t.wall);
    tokens = t.ids;
  }
}
if (inspector) {
  const { profile } = await post("Profiler.stop");
  const file = join(process.cwd(), `decode-${threads}t-${process.pid}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.error(`profile: ${file}`);
}
console.log(JSON.stringify({
  dist, threads, prompt: promptLength, steps, reps, kernels: model.kernels,
  cpu_us_per_token: cpu.map(Math.round), wall_us_per_token: wall.map(Math.round),
  cpu_us_per_token_median: Math.round(median(cpu)), wall_us_per_token_median: Math.round(median(wall)),
  decode_tok_per_cpu_s: Math.round((1e6 / median(cpu)) * 10) / 10,
  last_tokens: tokens.slice(-4),
  // Two builds that compute the same logits pick the same tokens: compare this across an A/B.
  tokens_hash: tokens.reduce((h, id) => Math.imul(h ^ id, 16777619) >>> 0, 2166136261).toString(16),
}));
process.exit(0);
