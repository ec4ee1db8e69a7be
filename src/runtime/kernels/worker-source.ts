/**
 * The body of a compute worker, as source text: workers start with `eval: true`, so they
 * need no file on disk (the runtime runs from src/ under tsx and vitest as well as from
 * dist/), and they load nothing but the kernels. The protocol is that of thread-pool.ts.
 */
/** Int32 slots of the control block: 16 header slots, then [lo, hi) for up to 120 parts. */
export const CONTROL_INTS = 256;
export const MAX_PARTS = (CONTROL_INTS - 16) / 2;

export const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { memory, modules, id, spin, epoch } = workerData;
let kernels = null;
try {
  const imports = { env: { memory } };
  kernels = [
    new WebAssembly.Instance(modules.linear, imports).exports.linear_nt,
    new WebAssembly.Instance(modules.matmul, imports).exports.matmul_nn,
  ];
} catch (e) {
  // Keep answering jobs (flagged as failed) so the main thread never waits forever.
}
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_INTS});
let seen = workerData.generation;
for (;;) {
  let n = 0;
  while (Atomics.load(ctl, 0) === seen) {
    if (++n > spin) {
      Atomics.wait(ctl, 0, seen);
      n = 0;
    }
  }
  seen = Atomics.load(ctl, 0);
  if (Atomics.load(ctl, 5) !== epoch) break;
  const op = ctl[2];
  if (id >= ctl[3]) continue;
  try {
    if (!kernels) throw new Error("kernels failed to instantiate");
    const lo = ctl[16 + 2 * id] >>> 0, hi = ctl[17 + 2 * id] >>> 0;
    if (lo < hi) kernels[op](ctl[8], ctl[9], ctl[10], ctl[11], ctl[12], ctl[13], ctl[14], lo, hi);
  } catch (e) {
    Atomics.store(ctl, 4, 1);
  }
  if (Atomics.sub(ctl, 1, 1) === 1) Atomics.notify(ctl, 1);
}
`;
