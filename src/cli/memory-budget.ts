// Whether a model fits in memory, decided from its configuration before anything is
// allocated: a config far beyond the machine (`vocab_size: 100000000`, `hidden_size: 2^40`)
// is refused with the numbers, instead of failing inside a typed-array allocation.
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { modelFor } from "../compiler/pipeline.js";
import { computeStats } from "../compiler/stats/stats.js";
import type { ArchIR, Value } from "../compiler/ir/model.js";
import { kernelBackend } from "../runtime/index.js";
import { decimalNumber, UsageError } from "./args.js";
import { MemoryBudgetError } from "./memory-budget-error.js";

/** The kernels' WebAssembly memory is 32-bit: weights stored there fit in 4 GiB. */
const WASM_HEAP_LIMIT = 4 * 2 ** 30;

const units: Record<string, number> = { "": 1, B: 1, K: 2 ** 10, KB: 2 ** 10, M: 2 ** 20, MB: 2 ** 20, G: 2 ** 30, GB: 2 ** 30, T: 2 ** 40, TB: 2 ** 40 };

/** `--max-memory` as bytes: `8G`, `512M`, `1.5GB`, or a number of bytes. */
export function parseBytes(spec: string): number {
  const m = /^([0-9.eE+]+)\s*([A-Za-z]*)$/.exec(spec.trim());
  const x = m ? decimalNumber(m[1]!) : undefined;
  const unit = m ? units[m[2]!.toUpperCase()] : undefined;
  if (x === undefined || unit === undefined || x <= 0) throw new UsageError(`--max-memory needs a size such as 8G, 512M or 1.5GB, found ${JSON.stringify(spec)}`);
  return Math.round(x * unit);
}

/** Memory this process may use: the machine's, or its cgroup's limit when lower. */
export function machineMemory(): number {
  let limit = totalmem();
  for (const f of ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]) {
    try {
      const v = Number(readFileSync(f, "utf8").trim());
      if (Number.isFinite(v) && v > 0) limit = Math.min(limit, v);
    } catch {
      // No cgroup limit here.
    }
  }
  return limit;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 3 : 1)} GiB`;

export { MemoryBudgetError };

/**
 * Refuses a model whose float32 weights alone exceed `limit` bytes (default: the machine's
 * memory) or the kernels' 4 GiB heap; `file` is the config the sizes came from.
 */
export function checkMemory(arch: ArchIR, root: string, values: Record<string, Value>, file: string, limit?: number): void {
  const m = modelFor(arch, undefined, values, root);
  const params = computeStats(m).params;
  const bytes = Number(params) * 4;
  const budget = limit ?? machineMemory();
  const why = limit !== undefined ? `--max-memory ${gib(limit)}` : `this machine's ${gib(budget)}`;
  if (bytes > budget) {
    throw new MemoryBudgetError(
      `${file}: the model needs ${gib(bytes)} for its ${Number(params).toLocaleString("en-US")} float32 parameters, more than ${why}` +
        `\n  hint: check the sizes in ${file} (vocab_size, hidden_size, intermediate_size…), or raise the limit with --max-memory`,
    );
  }
  if (bytes > WASM_HEAP_LIMIT && kernelBackend() === "wasm-simd") {
    throw new MemoryBudgetError(`${file}: the model needs ${gib(bytes)} for its ${Number(params).toLocaleString("en-US")} float32 parameters; the runtime's WebAssembly memory holds at most 4 GiB`);
  }
}
