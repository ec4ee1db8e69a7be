// The int8 decoding kernel alone: quant.wat's linear_q8x16 (one row of x as int16 blocks
// against int8 W) from this tree against the same kernel from another commit (--base, default
// main), on one thread, over a ring of copies of W totalling ~400 MB (past the caches, as a
// decode step's weights are). Interleaved: each round runs a pass of every build over the
// whole ring, in turn, so each ratio compares figures taken within a second. The weights'
// values are arbitrary (speed does not depend on them); both builds read the same bytes.
// Measurement tooling, not a test.
//
//   node scripts/bench-reference/matvec-q8.mjs [--shapes 768x768,2048x768,768x2048,32000x768]
//        [--rounds 7] [--mb 400] [--base COMMIT] [--relaxed]
//
// --relaxed runs the relaxed-SIMD builds (V8's --experimental-wasm-relaxed-simd on Node 20,
// which this script turns on). Per shape: median GB/s of int8 weights (and scales) read per
// build, and the median of the per-round ratios new / base.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { assembleKernels, KERNEL_SOURCE_DIR } from "../build-wasm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    shapes: { type: "string", default: "768x768,2048x768,768x2048,32000x768" },
    rounds: { type: "string", default: "7" },
    mb: { type: "string", default: "400" },
    base: { type: "string", default: "main" },
    relaxed: { type: "boolean", default: false },
  },
});
if (opt.relaxed) setFlagsFromString("--experimental-wasm-relaxed-simd");
const rounds = Number(opt.rounds);
const mb = Number(opt.mb);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/**
 * quant.wasm as `commit` builds it: its kernel sources and its build-wasm.mjs (whose macros
 * they use), in a temporary folder under node_modules (where the build script finds wabt).
 */
async function quantAt(commit) {
  const repo = join(here, "../..");
  mkdirSync(join(repo, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(join(repo, "node_modules", ".cache", "archc-q8-base-"));
  const show = (f) => execFileSync("git", ["show", `${commit}:${f}`], { cwd: repo });
  const files = execFileSync("git", ["ls-tree", "--name-only", commit, "src/runtime/kernels/"], { cwd: repo }).toString().split("\n");
  for (const f of files.filter((f) => /\.wat(\.part)?$/.test(f))) writeFileSync(join(dir, f.split("/").pop()), show(f));
  writeFileSync(join(dir, "build-wasm.mjs"), show("scripts/build-wasm.mjs"));
  try {
    const { assembleKernels: assemble } = await import(join(dir, "build-wasm.mjs"));
    return (await assemble(dir, { relaxed: opt.relaxed })).quant;
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const builds = [
  ["base", await quantAt(opt.base)],
  ["new", (await assembleKernels(KERNEL_SOURCE_DIR, { relaxed: opt.relaxed })).quant],
];

for (const shape of opt.shapes.split(",")) {
  const [rows, cols] = shape.split("x").map(Number);
  const n = rows * cols;
  // int8 values padded to 64 bytes, then scales (room for whole groups of 4 rows).
  const per = Math.ceil(n / 64) * 64 + Math.ceil(rows / 4) * 4 * (cols / 32) * 4;
  const stride = Math.ceil(per / 64) * 64;
  const copies = Math.max(1, Math.floor((mb * 1e6) / stride));
  const X = 65536;
  const Y = X + 4 * cols + 4096;
  const W = Y + Math.ceil((rows * 4) / 65536) * 65536;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((W + stride * copies) / 65536), maximum: 65536, shared: true });
  const u8 = new Uint8Array(memory.buffer);
  for (let i = 0; i < stride * copies; i++) u8[W + i] = Math.imul(i, 2654435761) >>> 24;
  // Scales: small floats, so sums stay finite whatever the values.
  for (let c = 0; c < copies; c++) {
    const s = new Float32Array(memory.buffer, W + c * stride + Math.ceil(n / 64) * 64, (per - Math.ceil(n / 64) * 64) / 4);
    s.fill(1 / 1024);
  }
  const xq = new Int16Array(memory.buffer, X, cols);
  for (let i = 0; i < cols; i++) xq[i] = ((i * 7919) % 65535) - 32767;
  new Float32Array(memory.buffer, X + Math.ceil((cols * 2) / 64) * 64, cols / 32).fill(1 / 32768);
  const kernels = builds.map(([name, bytes]) => {
    const { linear_q8x16 } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    // A small ring (in cache, to see the arithmetic alone) is run over several times, so
    // that a pass takes long enough to time.
    const repeat = Math.max(1, Math.ceil(50e6 / (per * copies)));
    return { name, pass: () => {
      const t0 = process.cpuUsage();
      for (let t = 0; t < repeat; t++) for (let c = 0; c < copies; c++) linear_q8x16(X, W + c * stride, 0, Y, 1, cols, rows, 0, rows);
      const t = process.cpuUsage(t0);
      return (per * copies * repeat) / ((t.user + t.system) / 1e6) / 1e9;
    } };
  });
  for (const k of kernels) k.pass();
  const gb = {};
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const got = {};
    for (const k of kernels) (gb[k.name] ??= []).push((got[k.name] = k.pass()));
    ratios.push(got.new / got.base);
  }
  const fmt = (a) => median(a).toFixed(1);
  process.stdout.write(`${shape}: base ${fmt(gb.base)} GB/s, new ${fmt(gb.new)} GB/s, new/base median ${median(ratios).toFixed(2)} [${ratios.map((r) => r.toFixed(2)).join(", ")}]\n`);
}
