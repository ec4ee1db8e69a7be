// The decoding kernel alone: archc's linear_nt on one row of x (what a decode step runs per
// weight matrix) against c-decode.c's matvec loop in C (matvec.c, gcc -Ofast -march=native),
// on one thread, over a ring of copies of W totalling ~400 MB (past the caches, as a decode
// step's weights are). Interleaved: every round runs C with 4 KiB and with 2 MiB pages, then
// each wasm build for three passes, then C with 4 KiB pages again, so each ratio compares
// figures taken within a second or two. Measurement tooling, not a test.
//
//   npm run build   # dist/wasm
//   node scripts/bench-reference/matvec.mjs [--shapes 768x768,2048x768,32000x768] [--rounds 5]
//        [--mb 400] [--base DIR_OF_ANOTHER_BUILD] [--relaxed]
//
// --relaxed adds the relaxed-SIMD build (dist/wasm/relaxed, fused multiply-add; Node 20 needs
// V8's --experimental-wasm-relaxed-simd, which this script turns on).
//
// Per shape and build: median GB/s, and the median of the per-round ratios to C on 4 KiB pages
// (the wasm heap's page size: Node cannot ask for huge pages) and to C on 2 MiB pages.
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
    shapes: { type: "string", default: "768x768,2048x768,32000x768" },
    rounds: { type: "string", default: "5" },
    mb: { type: "string", default: "400" },
    base: { type: "string" },
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
if (opt.base) builds.push(["base", opt.base]);

const cBin = join(tmpdir(), `archc-matvec-${process.pid}`);
execFileSync("gcc", ["-Ofast", "-march=native", "-fopenmp", join(here, "matvec.c"), "-o", cBin]);
const cRun = (rows, cols, pages) => Number(execFileSync(cBin, [rows, cols, mb, 3, pages], { env: { ...process.env, OMP_NUM_THREADS: "1" } }).toString().split(" ")[0]);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

for (const shape of opt.shapes.split(",")) {
  const [rows, cols] = shape.split("x").map(Number);
  const per = rows * cols;
  const copies = Math.max(1, Math.floor((mb * 1e6) / (per * 4)));
  const bytes = per * copies * 4;
  const X = 65536;
  const Y = X + Math.ceil((cols * 4) / 64) * 64;
  const W = Y + Math.ceil((rows * 4) / 65536) * 65536;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((W + bytes) / 65536), maximum: 65536, shared: true });
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < per * copies; i++) f[W / 4 + i] = ((Math.imul(i, 2654435761) >>> 0) & 1023) / 1024;
  for (let i = 0; i < cols; i++) f[X / 4 + i] = 1 / (i + 1);
  const kernels = builds.map(([name, dir]) => {
    const { linear_nt } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, "linear.wasm"))), { env: { memory } }).exports;
    return { name, pass: () => {
      const t0 = performance.now();
      for (let c = 0; c < copies; c++) linear_nt(X, W + c * per * 4, 0, Y, 1, cols, rows, 0, rows);
      return bytes / ((performance.now() - t0) / 1000) / 1e9;
    } };
  });
  for (const k of kernels) k.pass();
  const gb = { "C 4K": [], "C 2M": [] };
  const ratio = {};
  for (let r = 0; r < rounds; r++) {
    const small0 = cRun(rows, cols, "small");
    const huge = cRun(rows, cols, "huge");
    const passes = {};
    for (let p = 0; p < 3; p++) for (const k of kernels) (passes[k.name] ??= []).push(k.pass());
    const small = (small0 + cRun(rows, cols, "small")) / 2;
    gb["C 4K"].push(small);
    gb["C 2M"].push(huge);
    for (const k of kernels) {
      const g = median(passes[k.name]);
      (gb[k.name] ??= []).push(g);
      (ratio[k.name] ??= { small: [], huge: [] }).small.push(g / small);
      ratio[k.name].huge.push(g / huge);
    }
  }
  console.log(`${rows}x${cols} float32 (${copies} copies, ${(bytes / 1e6).toFixed(0)} MB), ${rounds} rounds, 1 thread:`);
  for (const [name, g] of Object.entries(gb)) {
    const rr = ratio[name];
    const tail = rr ? `  vs C 4K pages ${median(rr.small).toFixed(2)}× [${rr.small.map((x) => x.toFixed(2)).join(" ")}]  vs C 2M pages ${median(rr.huge).toFixed(2)}×` : "";
    console.log(`  ${name.padEnd(6)} ${median(g).toFixed(1).padStart(5)} GB/s${tail}`);
  }
}
execFileSync("rm", ["-f", cBin]);
