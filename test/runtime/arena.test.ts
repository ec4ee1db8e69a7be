// A forward call's activations live in a block of the kernels' heap that the next call
// reuses (kernels/arena.ts): whatever outlives a call must keep its values. Checked on the
// tensors a session returns and emits across decoding steps, and on state a call leaves
// behind, against copies taken when each call ended.
import { beforeAll, describe, expect, it } from "vitest";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { IntTensor, ModelSession, randomSource, Tensor } from "../../src/runtime/index.js";
import { kernels } from "../../src/runtime/kernels/index.js";
import { activeArena, outputFloats, withArena } from "../../src/runtime/kernels/arena.js";
import { loadTestKernels } from "./kernel-modules.js";

beforeAll(loadTestKernels);

describe("activation arena", () => {
  it("outputs and emitted tensors of earlier decoding steps keep their values", async () => {
    const ws = loadWorkspace([], { includeZoo: true });
    const llama = ws.archs.get("Llama")!;
    const values = Object.fromEntries(configFor(llama, "tiny").values);
    const session = new ModelSession(await loadArch(llama), values, randomSource(3), "ForCausalLM");
    const ctx = session.newContext(true);
    const kept: { t: Tensor; values: number[] }[] = [];
    let next = new IntTensor(Int32Array.of(1, 5, 9), [1, 3]);
    for (let step = 0; step < 6; step++) {
      const r = session.forward({ input_ids: next }, ctx);
      for (const t of [r.output, ...r.emitted.values()]) kept.push({ t, values: Array.from(t.data) });
      next = new IntTensor(Int32Array.of((step * 7) % 96), [1, 1]);
    }
    expect(kept.length).toBeGreaterThan(6);
    for (const { t, values: v } of kept) expect(Array.from(t.data)).toEqual(v);
  });

  it("detaches the tensors state holds, and only inside a call hands out arena memory", () => {
    const heap = kernels()!.heap;
    expect(activeArena()).toBeUndefined();
    expect(heap.contains(outputFloats(4))).toBe(false);
    const state = new Map<string, unknown>();
    const fill = (v: number) => {
      const a = outputFloats(8);
      expect(heap.contains(a)).toBe(true);
      a.fill(v);
      return new Tensor(a, [2, 4]);
    };
    withArena(heap, () => state.set("x", { nested: [fill(1)] }), () => [state]);
    // The next call reuses the block: without the copy, state would now read 2s.
    withArena(heap, () => fill(2), () => []);
    const held = (state.get("x") as { nested: Tensor[] }).nested[0]!;
    expect(heap.contains(held.data)).toBe(false);
    expect(Array.from(held.data)).toEqual(new Array(8).fill(1));
  });

  it("decoding steps size the block, a prefill does not", () => {
    const heap = kernels()!.heap;
    const big = 1 << 19;
    const inHeap = (step: boolean) => withArena(heap, () => heap.contains(outputFloats(big)), () => [], step);
    // A prefill asking for 2 MiB leaves the block as it was: the next call cannot take 2 MiB from it.
    inHeap(false);
    expect(inHeap(true)).toBe(false);
    // That step asked for 2 MiB: the next call's block holds it.
    expect(inHeap(true)).toBe(true);
  });

  it("a call inside a call runs without the arena", () => {
    const heap = kernels()!.heap;
    withArena(heap, () => {
      expect(heap.contains(outputFloats(4))).toBe(true);
      withArena(heap, () => expect(heap.contains(outputFloats(4))).toBe(false), () => []);
      expect(heap.contains(outputFloats(4))).toBe(true);
    }, () => []);
  });
});
