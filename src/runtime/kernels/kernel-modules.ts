/**
 * Finding and compiling the WebAssembly kernels that `npm run build` assembles from
 * src/runtime/kernels/*.wat into dist/wasm/. Compilation is synchronous (the modules are a
 * few KiB), so ops can switch to them on first use. When the binaries are missing, or the
 * engine lacks 128-bit SIMD or shared memory, the runtime keeps its TypeScript kernels.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

export const KERNEL_NAMES = ["linear", "matmul", "attention", "activation", "quant", "norm", "rope", "reduce"] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
export type KernelModules = Record<KernelName, WebAssembly.Module>;

/** dist/wasm as seen from this file, both when it runs from src/ and from dist/src/. */
function candidateDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.ARCHC_WASM_DIR) dirs.push(process.env.ARCHC_WASM_DIR);
  const here = fileURLToPath(new URL(".", import.meta.url));
  dirs.push(join(here, "../../../dist/wasm"), join(here, "../../../wasm"));
  return dirs;
}

function complete(dir: string): boolean {
  return KERNEL_NAMES.every((n) => existsSync(join(dir, `${n}.wasm`)));
}

export function findKernelDir(): string | undefined {
  return candidateDirs().find(complete);
}

/**
 * The relaxed-SIMD build next to the plain one (`dir`/relaxed: fused multiply-adds), when
 * the engine runs it. Node 20 needs V8's --experimental-wasm-relaxed-simd: with
 * `optIn` (ARCHC_RELAXED_SIMD=1) the flag is turned on here, before any module is compiled;
 * V8's flags are per process, so the worker threads accept the modules too.
 */
export function findRelaxedDir(dir: string, optIn: boolean): string | undefined {
  const relaxed = join(dir, "relaxed");
  if (!complete(relaxed)) return undefined;
  const probe = readFileSync(join(relaxed, "linear.wasm"));
  if (!WebAssembly.validate(probe) && optIn) setFlagsFromString("--experimental-wasm-relaxed-simd");
  return WebAssembly.validate(probe) ? relaxed : undefined;
}

/** Compiles the kernels from bytes (tests assemble them in memory) or from `dir`. */
export function compileKernels(source: string | Partial<Record<KernelName, Uint8Array>>): KernelModules {
  const out: Partial<KernelModules> = {};
  for (const n of KERNEL_NAMES) {
    const bytes = typeof source === "string" ? readFileSync(join(source, `${n}.wasm`)) : source[n];
    if (!bytes) throw new Error(`no bytes for kernel ${n}`);
    out[n] = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  }
  return out as KernelModules;
}
