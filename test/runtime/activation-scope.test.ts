// Activations of a forward call live in the kernels' heap and are freed when the generated
// forward function that made them returns (src/runtime/kernels/activation-scope.ts). What must
// hold: a block is reused only once nothing readable refers to it, what a call returns or
// stores in its context survives with its values, and a decoding loop does not grow the heap.
import { beforeAll, describe, expect, it } from "vitest";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { ActivationScope, ForwardContext, IntTensor, ModelSession, randomSource, Tensor } from "../../src/runtime/index.js";
import { activationArray } from "../../src/runtime/kernels/activation-scope.js";
import { kernels, type Kernels } from "../../src/runtime/kernels/index.js";
import { loadTestKernels } from "./kernel-modules.js";

let k: Kernels;
beforeAll(async () => {
  await loadTestKernels();
  k = kernels()!;
});

const filled = (n: number, v: number): Float32Array => activationArray(n).fill(v);

describe("activation scopes", () => {
  it("outside a scope an activation is an ordinary array", () => {
    expect(k.heap.contains(activationArray(1000))).toBe(false);
  });

  it("frees what the result does not use, keeps the result's block, and copies the outermost result out", () => {
    const outer = new ActivationScope();
    const inner = new ActivationScope();
    const dead = filled(1000, 1);
    const live = filled(1000, 2);
    expect(k.heap.contains(dead) && k.heap.contains(live)).toBe(true);
    const r = inner.keep(new Tensor(live, [1000]));
    // The dead block is free again: the next block of its size takes its place (first fit).
    const next = filled(1000, 3);
    expect(next.byteOffset).toBe(dead.byteOffset);
    expect(r.data.byteOffset).toBe(live.byteOffset);
    expect(r.data.every((x) => x === 2)).toBe(true);
    const out = outer.keep(r);
    expect(k.heap.contains(out.data)).toBe(false);
    expect(out.data.length).toBe(1000);
    expect(out.data.every((x) => x === 2)).toBe(true);
  });

  it("a sweep (end of a loop iteration) frees what no variable holds, keeps what one does", () => {
    const s = new ActivationScope();
    const previous = filled(600, 1);
    const current = new Tensor(filled(600, 2), [600]);
    s.sweep([current]);
    expect(filled(600, 3).byteOffset).toBe(previous.byteOffset);
    expect(current.data.every((x) => x === 2)).toBe(true);
    expect(k.heap.contains(current.data)).toBe(true);
    s.keep(undefined);
  });

  it("what the call stores in its context survives the call", () => {
    const ctx = new ForwardContext(true);
    const s = new ActivationScope(ctx);
    ctx.state.set("site", { h: new Tensor(filled(500, 7), [500]) });
    s.keep(undefined);
    const h = (ctx.state.get("site") as { h: Tensor }).h;
    expect(k.heap.contains(h.data)).toBe(false);
    expect(h.data.every((x) => x === 7)).toBe(true);
  });

  it("a lent result stays in the heap until the next outermost scope opens", () => {
    const ctx = new ForwardContext(true);
    ctx.lendOutput = true;
    const s = new ActivationScope(ctx);
    const r = s.keep(new Tensor(filled(800, 5), [800]));
    expect(k.heap.contains(r.data)).toBe(true);
    expect(r.data.every((x) => x === 5)).toBe(true);
    const next = new ActivationScope();
    expect(filled(800, 0).byteOffset).toBe(r.data.byteOffset);
    next.keep(undefined);
  });

  it("an exception closes the scope and frees its blocks", () => {
    const before = k.heap.reservedBytes;
    const s = new ActivationScope();
    try {
      filled(4096, 1);
      throw new Error("op failed");
    } catch {
      // what a generated function's finally does
    } finally {
      s.close();
    }
    expect(k.heap.reservedBytes).toBe(before);
  });
});

describe("a generated model under scopes", () => {
  const ws = loadWorkspace([], { includeZoo: true });
  const llama = ws.archs.get("Llama")!;
  // Wide enough that a single token's activations (128 floats) go to the heap.
  const values = { ...Object.fromEntries(configFor(llama, "tiny").values), d: 128, heads: 4, kv_heads: 2, ffn: 192 };

  it("decoding with lent logits: the same tokens as with copied ones, and a heap that stops growing", async () => {
    const session = new ModelSession(await loadArch(llama), values, randomSource(3), "ForCausalLM");
    const vocab = Number(session.cfg.vocab);
    const run = (lend: boolean): { tokens: number[]; logits: number[][]; heap: number[] } => {
      const ctx = session.newContext(true);
      ctx.expectedPositions = 4 + 12;
      const opts = { lastPosition: true, emitted: false, lendOutput: lend };
      let out = session.forward({ input_ids: new IntTensor(Int32Array.of(1, 5, 9, 13), [1, 4]) }, ctx, undefined, opts).output;
      const tokens: number[] = [];
      const logits: number[][] = [];
      const heap: number[] = [];
      for (let step = 0; step < 12; step++) {
        const last = Array.from(out.data.subarray(out.data.length - vocab));
        logits.push(last);
        const id = last.indexOf(Math.max(...last));
        tokens.push(id);
        out = session.forward({ input_ids: new IntTensor(Int32Array.of(id), [1, 1]) }, ctx, undefined, opts).output;
        heap.push(k.heap.reservedBytes);
      }
      return { tokens, logits, heap };
    };
    const copied = run(false);
    const lent = run(true);
    expect(lent.tokens).toEqual(copied.tokens);
    expect(lent.logits).toEqual(copied.logits);
    // Every step frees what it made: after the first, the heap's top does not move.
    expect(new Set(lent.heap.slice(1)).size).toBe(1);
    expect(new Set(copied.heap.slice(1)).size).toBe(1);
  });
});
