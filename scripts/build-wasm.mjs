// Assembles the WebAssembly kernels (src/runtime/kernels/*.wat) into dist/wasm/*.wasm with
// the wabt package, so the binaries are always built from the source in the repo. Run by
// `npm run build` (and so by `npm install` through `prepare`). The runtime falls back to
// its TypeScript kernels when the binaries are missing.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const KERNEL_SOURCE_DIR = join(root, "src", "runtime", "kernels");
export const KERNEL_OUT_DIR = join(root, "dist", "wasm");

/** Fixed-width SIMD, shared memory and memory.fill: nothing beyond what Node 20 runs by default. */
const FEATURES = { simd: true, threads: true, bulk_memory: true, relaxed_simd: false };

/** Every .wat file in `srcDir` assembled to bytes, by base name. */
export async function assembleKernels(srcDir = KERNEL_SOURCE_DIR) {
  const { default: init } = await import("wabt");
  const wabt = await init();
  const out = {};
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".wat")).sort()) {
    // (;include NAME;) splices in a shared part (e.g. exp4.wat.part): wat has no includes.
    const text = readFileSync(join(srcDir, file), "utf8").replace(/\(;include ([\w.-]+);\)/g, (_, part) => readFileSync(join(srcDir, part), "utf8"));
    const mod = wabt.parseWat(file, text, FEATURES);
    try {
      const bytes = mod.toBinary({}).buffer;
      // wabt's validator ignores the feature flags (it rejects shared memory), so let the
      // engine that will run the kernels validate them.
      new WebAssembly.Module(bytes);
      out[basename(file, ".wat")] = bytes;
    } finally {
      mod.destroy();
    }
  }
  return out;
}

export async function buildKernels(outDir = KERNEL_OUT_DIR) {
  const built = await assembleKernels();
  mkdirSync(outDir, { recursive: true });
  for (const [name, bytes] of Object.entries(built)) writeFileSync(join(outDir, `${name}.wasm`), bytes);
  return Object.keys(built);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = await buildKernels();
  process.stdout.write(`wasm kernels: ${names.map((n) => `${n}.wasm`).join(", ")} -> ${KERNEL_OUT_DIR}\n`);
}
