// Linear layers sharing an input run as one pool job (kernels/linear.ts linearSetKernel,
// lang/shared-input.ts): bit for bit what separate products give, at 1 and 2 threads, on
// column counts that are not multiples of the chunk alignment; and a session's second call
// (the runs learned by the first) gives the first call's exact output with fewer jobs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { getThreads, IntTensor, ModelSession, ops, randomSource, randomTensor, setThreads, toSharedMemory } from "../../src/runtime/index.js";
import { kernels } from "../../src/runtime/kernels/index.js";
import { ActivationScope } from "../../src/runtime/kernels/activation-scope.js";
import { linearSetKernel } from "../../src/runtime/kernels/linear.js";
import { OP_LINEAR_NT_SET } from "../../src/runtime/kernels/thread-pool.js";
import { loadTestKernels } from "./kernel-modules.js";

beforeAll(loadTestKernels);
const threadsBefore = getThreads();
afterAll(() => setThreads(threadsBefore));

describe("linear_nt_set", () => {
  for (const rows of [1, 3]) {
    it(`equals separate products bit for bit for x[${rows}, 512] against W [288|13|40, 512] (split across threads), 1 and 2 threads`, () => {
      const x = toSharedMemory(randomTensor([rows, 512], 1));
      const ws = [288, 13, 40].map((o, i) => toSharedMemory(randomTensor([o, 512], 2 + i)));
      const bs = [undefined, toSharedMemory(randomTensor([13], 9)), toSharedMemory(randomTensor([40], 10))];
      const separate = ws.map((w, i) => Array.from(ops.linear(x, w, bs[i]).data));
      for (const n of [1, 2]) {
        setThreads(n);
        const scope = new ActivationScope();
        const together = linearSetKernel(x, ws, bs)!.map((y) => Array.from(y.data));
        scope.close();
        expect(together).toEqual(separate);
      }
      setThreads(threadsBefore);
    });
  }

  it("outside a forward call there is no set job (no activation scope for its outputs)", () => {
    const x = toSharedMemory(randomTensor([1, 8], 1));
    expect(linearSetKernel(x, [toSharedMemory(randomTensor([8, 8], 2))], [undefined])).toBeUndefined();
  });

  it("a session's q/k/v and gate/up projections run as set jobs from the second call on, with the same output", async () => {
    const ws = loadWorkspace([], { includeZoo: true });
    const llama = ws.archs.get("Llama")!;
    const session = new ModelSession(await loadArch(llama), Object.fromEntries(configFor(llama, "tiny").values), randomSource(5), "ForCausalLM");
    const pool = kernels()!.pool;
    const run = pool.run.bind(pool);
    let setJobs = 0;
    pool.run = (op, ...rest) => {
      if (op === OP_LINEAR_NT_SET) setJobs++;
      return run(op, ...rest);
    };
    try {
      const ids = new IntTensor(Int32Array.of(3, 1, 4, 1, 5), [1, 5]);
      const first = Array.from(session.forward({ input_ids: ids }).output.data);
      const before = setJobs;
      const second = Array.from(session.forward({ input_ids: ids }).output.data);
      expect(second).toEqual(first);
      // Two layers, each with a q/k/v run and a gate/up run.
      expect(setJobs - before).toBe(4);
    } finally {
      pool.run = run;
    }
  });
});
