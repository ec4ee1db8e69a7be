// `--threads`: how many threads compute. More threads than cores only adds contention and
// memory (each worker is a V8 isolate of ~10 MB plus its stack), so a count above the
// machine's cores is lowered to the cores, with a message saying so.
import { availableParallelism } from "node:os";
import { decimalInt, UsageError } from "./args.js";

/** Thread counts from `--threads N[,N…]` (each >= 1), bounded by the cores; `warn` says when one was lowered. */
export function threadCounts(spec: string, warn: (s: string) => void, cores = availableParallelism()): number[] {
  const counts = spec.split(",").map((s) => decimalInt(s.trim()));
  if (counts.some((n) => n === undefined || n < 1)) throw new UsageError(`--threads needs positive integers (e.g. 2 or 1,2), found ${JSON.stringify(spec)}`);
  const bounded = (counts as number[]).map((n) => Math.min(n, cores));
  if (bounded.some((n, i) => n !== counts[i])) warn(`warning: --threads ${spec}: this machine has ${cores} core${cores === 1 ? "" : "s"}; using at most ${cores} thread${cores === 1 ? "" : "s"}`);
  return bounded;
}

/** One thread count (`--threads N` of `run`). */
export function threadCount(spec: string, warn: (s: string) => void, cores = availableParallelism()): number {
  if (spec.includes(",")) throw new UsageError(`--threads needs one positive integer, found ${JSON.stringify(spec)}`);
  return threadCounts(spec, warn, cores)[0]!;
}
