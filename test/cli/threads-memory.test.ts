// `--threads 1000` (issue 18, item 18) once started 999 worker threads, each a V8 isolate:
// `run` passed 4 GB (this test's model: 5.9 GB and 1 010 threads) and `bench` 6 GB. The count
// is now lowered to the machine's cores, with a message, so memory cannot grow with the count
// asked for. The model is a Llama of width 512 with random weights: its products are large
// enough that the kernels split them across threads (a conformance model's are not, and
// would start no worker whatever the count).
import { availableParallelism, tmpdir } from "node:os";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getThreads, randomTensor, readSafetensors, setThreads, writeSafetensors, type Tensor } from "../../src/runtime/index.js";
import { kernels } from "../../src/runtime/kernels/index.js";
import { archc } from "./capture.js";

const cores = availableParallelism();
const tmp = mkdtempSync(join(tmpdir(), "archc-threads-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** llama-tiny's config and tensor names at hidden size 512 (head size 128) and MLP width 1024: 4.8M parameters. */
function wideLlama(): string {
  const tiny = join(__dirname, "../../../shared/conformance/llama-tiny");
  const config = JSON.parse(readFileSync(join(tiny, "config.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(tmp, "config.json"), JSON.stringify({ ...config, hidden_size: 512, intermediate_size: 1024 }));
  // tiny's sizes: 64 hidden, 112 MLP, 32 = 2 KV heads × 16; the vocabulary (160) stays.
  const wider: Record<number, number> = { 64: 512, 112: 1024, 32: 256 };
  const tensors: Record<string, Tensor> = {};
  let seed = 1;
  for (const [name, t] of readSafetensors(join(tiny, "model.safetensors")).tensors) {
    tensors[name] = randomTensor(t.shape.map((n) => wider[n] ?? n), seed++, 0.05);
  }
  writeSafetensors(join(tmp, "model.safetensors"), tensors);
  return tmp;
}

const ckpt = wideLlama();
const warning = new RegExp(`warning: --threads (1,)?1000: this machine has ${cores} cores?; using at most ${cores} threads?`);

describe("--threads 1000: threads and memory bounded by the cores", () => {
  it("run starts at most cores − 1 worker threads", async () => {
    const before = getThreads();
    try {
      const r = await archc("run", ckpt, "--ids", "1,2,3", "--threads", "1000");
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(warning);
      const pool = kernels()?.pool;
      // Without the WebAssembly kernels nothing runs on workers, and there is nothing to bound.
      if (pool && cores > 1) expect(pool.workerCount).toBeGreaterThan(0);
      expect(pool?.workerCount ?? 0).toBeLessThanOrEqual(cores - 1);
    } finally {
      setThreads(before);
    }
  }, 120_000);

  it("bench's measuring process: peak RSS at --threads 1000 is that of the cores' count, not a worker per thread asked for", async () => {
    const r = await archc("bench", ckpt, "--threads", "1,1000", "--prompt-len", "4", "--steps", "2", "--rounds", "1", "--json");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(warning);
    const [one, many] = r.out.trim().split("\n").map((l) => JSON.parse(l) as { threads: number; peak_rss_mb: number });
    expect([one!.threads, many!.threads]).toEqual([1, cores]);
    // A worker costs about 6 MB here (999 of them: 5.9 GB); allow 32 MB each for the cores'
    // workers and 64 MB for noise between the two processes.
    expect(many!.peak_rss_mb - one!.peak_rss_mb).toBeLessThan(32 * (cores - 1) + 64);
  }, 120_000);
});
