// Decode-only timing of the bundled runtime, for CPU profiles and A/B runs of per-token
// JavaScript: loads a checkpoint directory the way `archc bench`'s measuring process does
// (weights into the kernels' shared memory), prefills a prompt, then times decode steps
// alone (CPU time of the process, every thread, and wall time).
//
//   node scripts/decode-steps.mjs DIR [--threads N] [--prompt 128] [--steps 64] [--reps 3] [--dist DIST]
//   node --cpu-prof --cpu-prof-interval 100 scripts/decode-steps.mjs DIR --profile-decode
//
// --dist picks the built tree (default: this checkout's dist/), so that two builds can be run
// alternately for an A/B comparison. --profile-decode starts the CPU profile (inspector) after
// prefill and warm-up, so the profile is of decode steps alone. Prints one JSON line.
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL, fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dir = args[0];
if (!dir || dir.startsWith("--")) {
  console.error("usage: node scripts/decode-steps.mjs CHECKPOINT_DIR [--threads N] [--prompt N] [--steps N] [--reps N] [--dist DIR] [--profile-decode]");
  process.exit(2);
}
const dist = resolve(opt("dist", join(dirname(fileURLToPath(import.meta.url)), "..", "dist")));
const threads = Number(opt("threads", "1"));
const promptLength = Number(opt("prompt", "128"));
const steps = Number(opt("steps", "64"));
const reps = Number(opt("reps", "3"));
const load = (p) => import(pathToFileURL(join(dist, "src", p)).href);

const rt = await load("runtime/index.js");
const { configValues, readJson } = await load("cli/checkpoint.js");
const { workspaceFor } = await load("cli/commands/model-ref.js");
const { generateModule } = await load("compiler/codegen/module.js");
const { protocolPrompt, cpuSeconds } = await load("cli/bench-protocol.js");
const { ts } = await import("ts-morph");

const cfgPath = join(dir, "config.json");
const { arch, root, values } = configValues(workspaceFor([]), readJson(cfgPath, "config.json"), cfgPath);
const generated = await generateModule(arch);
const js = ts.transpileModule(generated.text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
const exportsObj = {};
new Function("require", "exports", "module", js)((id) => rt, exportsObj, { exports: exportsObj });

rt.setThreads(threads);
const ck = rt.readCheckpointDir(dir, { alloc: rt.sharedArray, allocBytes: rt.sharedBytes, defer: true, weights: "auto" });
const session = new rt.ModelSession(exportsObj, values, rt.mapSource(dir, ck.tensors), root);
const prompt = protocolPrompt(promptLength, Number(session.cfg.vocab ?? 32000));
const input = session.streamInput ?? "input_ids";
const ctx = session.newContext(true);
ctx.expectedPositions = promptLength + steps + 8;
const fwdOpts = { lastPosition: true, emitted: false, lendOutput: true };
const argmax = (o) => { const v = o.shape[o.shape.length - 1]; return rt.argmaxRow(o.data, o.data.length - v, v); };

let session_ = undefined;
if (args.includes("--profile-decode")) {
  const inspector = await import("node:inspector");
  session_ = new inspector.Session();
  session_.connect();
}
const post = (m, p) => new Promise((res, rej) => session_.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));

const cpuUsPerToken = [];
const wallUsPerToken = [];
let tokens = [];
for (let r = 0; r <= reps; r++) {
  ctx.reset();
  let out = session.forward({ [input]: new rt.IntTensor(Int32Array.from(prompt), [1, prompt.length]) }, ctx, undefined, fwdOpts).output;
  const n = r === 0 ? 8 : steps; // round 0: warm-up
  if (r === 1 && session_) { await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 100 }); await post("Profiler.start"); }
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const ids = [];
  for (let s = 0; s < n; s++) {
    const id = argmax(out);
    ids.push(id);
    out = session.forward({ [input]: new rt.IntTensor(Int32Array.of(id), [1, 1]) }, ctx, undefined, fwdOpts).output;
  }
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  if (r > 0) { cpuUsPerToken.push((cpu / n) * 1e6); wallUsPerToken.push((wall / n) * 1e6); tokens = ids; }
}
if (session_) {
  const { profile } = await post("Profiler.stop");
  const file = join(process.cwd(), `decode-${threads}t-${process.pid}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.error(`profile: ${file}`);
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(JSON.stringify({
  dist, threads, prompt: promptLength, steps, reps, kernels: rt.kernelBackend(),
  cpu_us_per_token: cpuUsPerToken.map(Math.round), wall_us_per_token: wallUsPerToken.map(Math.round),
  cpu_us_per_token_median: Math.round(med(cpuUsPerToken)), wall_us_per_token_median: Math.round(med(wallUsPerToken)),
  decode_tok_per_cpu_s: Math.round(1e6 / med(cpuUsPerToken) * 10) / 10,
  last_tokens: tokens.slice(-4),
}));
process.exit(0);
