// The wasm kernels for the runtime tests: the binaries `npm run build` wrote, or, without them,
// the .wat sources assembled here. Installed as the runtime's kernels unless some already are.
import { compileKernels, findKernelDir, kernels, useKernels, type KernelModules } from "../../src/runtime/kernels/index.js";

export async function loadTestKernels(): Promise<KernelModules> {
  const dir = findKernelDir();
  const modules = dir ? compileKernels(dir) : compileKernels(await (await import("../../scripts/build-wasm.mjs")).assembleKernels());
  if (!kernels()) useKernels(modules);
  return modules;
}
