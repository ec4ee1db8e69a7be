// Decode alone, for profiling the per-token cost (node --cpu-prof scripts/decode-steps.mjs …):
// loads a checkpoint the way `archc bench`'s measuring process does, prefills the protocol's
// prompt, then times greedy single-token steps (the forward call and the argmax) and prints
// µs per token: wall, CPU (every thread) and this thread's time on a CPU (Linux: what other
// processes' load inflates least). Against the built dist/ of this checkout, or of another
// (--root DIR) for A/B runs. The first rounds run while V8 still optimises: take several.
//   node scripts/decode-steps.mjs CKPT_DIR [--threads N] [--steps N] [--rounds N] [--root DIR] [--profile FILE.cpuprofile]
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dir = resolve(args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ?? "/tmp/bench/bench-15m");
const root = resolve(opt("root", join(dirname(fileURLToPath(import.meta.url)), "..")));
const threads = Number(opt("threads", "1"));
const steps = Number(opt("steps", "64"));
const rounds = Number(opt("rounds", "3"));
const promptLength = Number(opt("prompt", "128"));
const dist = (p) => pathToFileURL(join(root, "dist/src", p)).href;

const runtime = await import(dist("runtime/index.js"));
const { configValues } = await import(dist("cli/checkpoint.js"));
const { workspaceFor } = await import(dist("cli/commands/model-ref.js"));
const { protocolPrompt } = await import(dist("cli/bench-protocol.js"));

// The generated module, compiled once per checkout and checkpoint.
const cacheDir = join(tmpdir(), `decode-steps-${root.replace(/[^A-Za-z0-9]+/g, "_")}`);
mkdirSync(cacheDir, { recursive: true });
const moduleFile = join(cacheDir, `${dir.replace(/[^A-Za-z0-9]+/g, "_")}.cjs`);
const cfgPath = join(dir, "config.json");
const { arch, root: rootName, values } = configValues(workspaceFor([]), JSON.parse(readFileSync(cfgPath, "utf8")), cfgPath);
if (!existsSync(moduleFile)) {
  const { generateModule } = await import(dist("compiler/codegen/module.js"));
  const { ts } = await import("ts-morph");
  const generated = await generateModule(arch);
  writeFileSync(moduleFile, ts.transpileModule(generated.text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false } }).outputText);
}
const exports = {};
new Function("require", "exports", "module", readFileSync(moduleFile, "utf8"))(
  (id) => {
    if (id === "archc/runtime") return runtime;
    throw new Error(id);
  },
  exports,
  { exports },
);

runtime.setThreads(threads);
const ck = runtime.readCheckpointDir(dir, { alloc: runtime.sharedArray, allocBytes: runtime.sharedBytes, defer: true, weights: "auto" });
const session = new runtime.ModelSession(exports, values, runtime.mapSource(dir, ck.tensors), rootName);
const prompt = protocolPrompt(promptLength, Number(session.cfg.vocab ?? 32000));
const ctx = session.newContext(true);
ctx.expectedPositions = prompt.length + steps;
const input = session.streamInput ?? "input_ids";
// As the protocol's runRound: the last position's logits only, nothing emitted, the output lent.
const opts = { lastPosition: true, emitted: false, lendOutput: true };
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
/** This thread's time on a CPU in ms (Linux: /proc/thread-self/schedstat, ns), undefined elsewhere. */
const mainCpuNow = () => {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
};
/** A round from an empty cache: prefill, then `n` greedy steps, timed (and profiled) alone. */
async function round(n, profile) {
  ctx.reset();
  let output = session.forward({ [input]: new runtime.IntTensor(Int32Array.from(prompt), [1, prompt.length]) }, ctx, undefined, opts).output;
  if (profile) await inspector.post("Profiler.start");
  const c0 = cpuNow();
  const m0 = mainCpuNow();
  const t0 = performance.now();
  const tokens = [];
  for (let step = 0; step < n; step++) {
    const vocab = output.shape[output.shape.length - 1];
    const id = runtime.argmaxRow(output.data, output.data.length - vocab, vocab);
    output = session.forward({ [input]: new runtime.IntTensor(Int32Array.of(id), [1, 1]) }, ctx, undefined, opts).output;
    tokens.push(id);
  }
  const wall = performance.now() - t0;
  const cpu = cpuNow() - c0;
  const main = m0 === undefined ? NaN : mainCpuNow() - m0;
  if (profile) profiles.push((await inspector.post("Profiler.stop")).profile);
  return { cpu: (cpu / n) * 1e3, main: (main / n) * 1e3, wall: (wall / n) * 1e3, tokens };
}
// --profile FILE: a CPU profile of the timed decode steps alone (this thread).
const profileFile = opt("profile", undefined);
let inspector;
const profiles = [];
if (profileFile) {
  const { Session } = await import("node:inspector/promises");
  inspector = new Session();
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: Number(opt("interval", "100")) });
}
await round(Math.min(8, steps), false);
const cpu = [];
const wall = [];
const main = [];
let tokens;
for (let r = 0; r < rounds; r++) {
  const t = await round(steps, !!inspector);
  cpu.push(t.cpu);
  wall.push(t.wall);
  main.push(t.main);
  tokens = t.tokens;
}
if (inspector) {
  // One profile: the rounds' samples one after another.
  const [first, ...rest] = profiles;
  for (const p of rest) {
    const base = Math.max(...first.nodes.map((n) => n.id));
    for (const n of p.nodes) {
      n.id += base;
      if (n.children) n.children = n.children.map((c) => c + base);
    }
    first.nodes.push(...p.nodes);
    first.samples.push(...p.samples.map((s) => s + base));
    first.timeDeltas.push(...p.timeDeltas);
  }
  writeFileSync(profileFile, JSON.stringify(first));
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(JSON.stringify({ model: dir, root, threads, steps, rounds, kernels: runtime.kernelBackend(), us_per_token_cpu: Math.round(med(cpu)), us_per_token_wall: Math.round(med(wall)), us_per_token_main_thread: Math.round(med(main)), cpu: cpu.map(Math.round), wall: wall.map(Math.round), main: main.map(Math.round), tokens_head: tokens.slice(0, 8) }));
process.exit(0);
