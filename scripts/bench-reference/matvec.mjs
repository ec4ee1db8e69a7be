// The decoding kernel alone: archc's linear_nt on one row of x (what a decode step runs per
// weight matrix) against c-decode.c's matvec loop in C (matvec.c, gcc -Ofast -march=native),
// on one thread. A shape RxC times a ring of copies of W [R, C] totalling ~400 MB (past the
// caches, as a decode step's weights are); `step` times the matrices one decode step of
// bench-110m reads, in its order (12 layers of q, k, v, o, gate, up, down, then the
// classifier: 438 MB). Interleaved: every round runs C with 4 KiB and with 2 MiB pages, then
// each wasm build for three passes, then C with 4 KiB pages again, so each ratio compares
// figures taken within a second or two. Times are CPU time (this process's for wasm, the C
// process's own for C), which a shared machine's time slicing does not inflate. Measurement
// tooling, not a test.
//
//   npm run build   # dist/wasm
//   node scripts/bench-reference/matvec.mjs [--shapes step,768x768,2048x768,768x2048,32000x768]
//        [--rounds 5] [--mb 400] [--base DIR_OF_ANOTHER_BUILD]… [--relaxed]
//
// --base (repeatable) adds other builds' linear.wasm (e.g. a copy of dist/wasm before a
// change); --relaxed adds the relaxed-SIMD build (dist/wasm/relaxed, fused multiply-add;
// Node 20 needs V8's --experimental-wasm-relaxed-simd, which this script turns on).
//
// Per shape and build: median GB/s, and the median of the per-round ratios to C on 4 KiB pages
// (the wasm heap's page size: Node cannot ask for huge pages), to C on 2 MiB pages, and to
// the first build (archc).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    shapes: { type: "string", default: "step,768x768,2048x768,768x2048,32000x768" },
    rounds: { type: "string", default: "5" },
    mb: { type: "string", default: "400" },
    base: { type: "string", multiple: true, default: [] },
    relaxed: { type: "boolean", default: false },
  },
});
const rounds = Number(opt.rounds);
const mb = Number(opt.mb);
const builds = [["archc", join(here, "../../dist/wasm")]];
if (opt.relaxed) {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  builds.push(["relaxed", join(here, "../../dist/wasm/relaxed")]);
}
opt.base.forEach((dir, i) => builds.push([opt.base.length > 1 ? `base${i + 1}` : "base", dir]));

const cBin = join(tmpdir(), `archc-matvec-${process.pid}`);
execFileSync("gcc", ["-Ofast", "-march=native", "-fopenmp", join(here, "matvec.c"), "-o", cBin]);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const cpuSeconds = (since) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

/** The matrices [rows, cols] of a shape argument, as matvec.c lays them out. */
function matrices(shape) {
  if (shape === "step") {
    const layer = [[768, 768], [768, 768], [768, 768], [768, 768], [2048, 768], [2048, 768], [768, 2048]];
    return [...Array.from({ length: 12 }, () => layer).flat(), [32000, 768]];
  }
  const [rows, cols] = shape.split("x").map(Number);
  const copies = Math.max(1, Math.floor((mb * 1e6) / (rows * cols * 4)));
  return Array.from({ length: copies }, () => [rows, cols]);
}

for (const shape of opt.shapes.split(",")) {
  const mats = matrices(shape);
  const cArgs = shape === "step" ? ["step", "0", "0"] : [...shape.split("x"), String(mb)];
  const cRun = (pages) => Number(execFileSync(cBin, [...cArgs, "3", pages], { env: { ...process.env, OMP_NUM_THREADS: "1" } }).toString().split(" ")[0]);
  const maxCols = Math.max(...mats.map(([, c]) => c));
  const maxRows = Math.max(...mats.map(([r]) => r));
  const X = 65536;
  const Y = X + Math.ceil((maxCols * 4) / 64) * 64;
  const W = Y + Math.ceil((maxRows * 4) / 65536) * 65536;
  const floats = mats.reduce((s, [r, c]) => s + r * c, 0);
  const bytes = floats * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((W + bytes) / 65536), maximum: 65536, shared: true });
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < floats; i++) f[W / 4 + i] = ((Math.imul(i, 2654435761) >>> 0) & 1023) / 1024;
  for (let i = 0; i < maxCols; i++) f[X / 4 + i] = 1 / (i + 1);
  const kernels = builds.map(([name, dir]) => {
    const { linear_nt } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, "linear.wasm"))), { env: { memory } }).exports;
    return { name, pass: () => {
      const t0 = process.cpuUsage();
      let w = W;
      for (const [rows, cols] of mats) {
        linear_nt(X, w, 0, Y, 1, cols, rows, 0, rows);
        w += rows * cols * 4;
      }
      return bytes / cpuSeconds(t0) / 1e9;
    } };
  });
  for (const k of kernels) k.pass();
  const gb = { "C 4K": [], "C 2M": [] };
  const ratio = {};
  for (let r = 0; r < rounds; r++) {
    const small0 = cRun("small");
    const huge = cRun("huge");
    const passes = {};
    for (let p = 0; p < 3; p++) for (const k of kernels) (passes[k.name] ??= []).push(k.pass());
    const small = (small0 + cRun("small")) / 2;
    gb["C 4K"].push(small);
    gb["C 2M"].push(huge);
    const first = median(passes[kernels[0].name]);
    for (const k of kernels) {
      const g = median(passes[k.name]);
      (gb[k.name] ??= []).push(g);
      const rr = (ratio[k.name] ??= { small: [], huge: [], first: [] });
      rr.small.push(g / small);
      rr.huge.push(g / huge);
      rr.first.push(g / first);
    }
  }
  const label = shape === "step" ? "bench-110m decode step" : shape;
  console.log(`${label} float32 (${mats.length} matrices, ${(bytes / 1e6).toFixed(0)} MB), ${rounds} rounds, 1 thread:`);
  for (const [name, g] of Object.entries(gb)) {
    const rr = ratio[name];
    const vsFirst = rr && name !== kernels[0].name ? `  vs ${kernels[0].name} ${median(rr.first).toFixed(2)}× [${rr.first.map((x) => x.toFixed(2)).join(" ")}]` : "";
    const tail = rr ? `  vs C 4K pages ${median(rr.small).toFixed(2)}× [${rr.small.map((x) => x.toFixed(2)).join(" ")}]  vs C 2M pages ${median(rr.huge).toFixed(2)}×${vsFirst}` : "";
    console.log(`  ${name.padEnd(7)} ${median(g).toFixed(1).padStart(5)} GB/s${tail}`);
  }
}
execFileSync("rm", ["-f", cBin]);
