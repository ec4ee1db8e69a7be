// Linear layers that a forward pass applies one after another to the same tensor (a layer's
// q, k and v projections; a gated MLP's gate and up) run as one job of the thread pool:
// one wait for the threads instead of one per matrix, and matrices too small to split
// alone are split together. Which layers go together is learned from the calls: a run of
// Linear modules applied to one input is remembered by its first module; when that module
// is next applied, the whole run is computed and the others' results wait for them. A
// result is taken only by its own module applied to the very same input tensor (tensors
// are immutable, weights fixed: the value is what a call of its own would compute, bit for
// bit), within the same activation scope epoch (the results are activations of the open
// scope, which a sweep or a close may free); a run that stops coming true is forgotten.
import * as ops from "../ops/index.js";
import type { LinearM } from "../nn/primitives.js";
import type { Tensor } from "../tensor.js";
import { scopeEpoch } from "../kernels/activation-scope.js";
import { linearSetKernel } from "../kernels/linear.js";

/** A learned run: its modules, and their weights and biases as the set kernel takes them. */
interface Run {
  modules: LinearM[];
  weights: Tensor[];
  biases: (Tensor | undefined)[];
}

/** Learned runs, by their first module. */
const runs = new WeakMap<LinearM, Run>();

/** The run being observed: modules applied to `input` one after another. */
let input: Tensor | undefined;
let observed: LinearM[] = [];

/**
 * Results computed ahead for the rest of a run (results[i] is run.modules[i]'s, undefined
 * once taken), valid in scope epoch `call` for `x` only; `left` counts those not taken.
 */
let ahead: { call: number; x: Tensor; run: Run; results: (Tensor | undefined)[]; left: number } | undefined;

/** y = x·Wᵀ + b of a Linear module, with the rest of its run when one was learned. */
export function applyLinear(m: LinearM, x: Tensor): Tensor {
  observe(m, x);
  const call = scopeEpoch();
  if (ahead && ahead.x === x && ahead.call === call) {
    const i = ahead.run.modules.indexOf(m);
    const r = i > 0 ? ahead.results[i] : undefined;
    if (r) {
      ahead.results[i] = undefined;
      ahead.left--;
      return r;
    }
  }
  const run = call ? runs.get(m) : undefined;
  if (run) {
    const ys = linearSetKernel(x, run.weights, run.biases);
    if (ys) {
      retire();
      ahead = { call, x, run, results: ys, left: ys.length - 1 };
      return ys[0]!;
    }
  }
  return ops.linear(x, m.weight, m.bias);
}

function observe(m: LinearM, x: Tensor): void {
  if (x === input) {
    if (!observed.includes(m)) observed.push(m);
    return;
  }
  // The run on the previous input ended: remember it, unless one from its first module is
  // remembered already (it is then this one again, or a run that retire() will forget).
  if (observed.length > 1 && !runs.has(observed[0]!)) {
    runs.set(observed[0]!, { modules: observed, weights: observed.map((l) => l.weight), biases: observed.map((l) => l.bias) });
  }
  input = x;
  observed = [m];
}

/** Drops the results computed ahead; a run whose results went unused is forgotten. */
function retire(): void {
  if (ahead && ahead.left > 0) runs.delete(ahead.run.modules[0]!);
  ahead = undefined;
}
