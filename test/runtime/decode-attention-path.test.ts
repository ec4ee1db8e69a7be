// The attention path of a decoding step without copies: head split/merge and size-1
// permutations as views, lang's rope with its per-context cos/sin tables, and attention
// reading q and the cache in place with a kept scratch block. Each fast path is checked
// against an independent computation (index loops, ops.rope from positions, a full
// uncached attention, the TypeScript kernels).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActivationScope, ForwardContext, lang, ops, randomTensor, RuntimeArgumentError, RuntimeShapeError, sharedArray, Tensor } from "../../src/runtime/index.js";
import { kernels, useKernels, type KernelModules } from "../../src/runtime/kernels/index.js";
import { activationArray } from "../../src/runtime/kernels/activation-scope.js";
import { KvCache } from "../../src/runtime/model/kv-cache.js";
import { loadTestKernels } from "./kernel-modules.js";
import { expectClose } from "./close.js";

let modules: KernelModules;
beforeAll(async () => {
  modules = await loadTestKernels();
});
afterAll(() => useKernels(modules, "test"));

/** [B, T, H·D] → [B, H, T, D] by indices: out[b, h, t, j] = x[b, t, h·D + j]. */
function splitByIndex(x: Tensor, heads: number): number[] {
  const [b, t, hd] = x.shape as [number, number, number];
  const d = hd / heads;
  const out: number[] = [];
  for (let bi = 0; bi < b; bi++) for (let h = 0; h < heads; h++) for (let ti = 0; ti < t; ti++) for (let j = 0; j < d; j++) out.push(x.data[(bi * t + ti) * hd + h * d + j]!);
  return out;
}

/** A copy of x in the kernels' heap as an activation of the open scope (what a projection returns). */
function inHeap(x: Tensor): Tensor {
  const a = activationArray(x.size);
  a.set(x.data);
  return new Tensor(a, [...x.shape]);
}

describe("head split and merge", () => {
  const shapes: [number, number, number, number][] = [[1, 1, 6, 48], [2, 1, 4, 8], [1, 5, 1, 12], [2, 3, 4, 8], [3, 7, 2, 4]];
  for (const [b, t, h, d] of shapes) {
    it(`[${b}, ${t}, ${h}·${d}]: split matches the index loop, merge inverts it, views exactly when the layout is kept`, () => {
      const x = randomTensor([b, t, h * d], b * 1000 + t * 100 + h * 10 + d);
      const q = ops.splitHeads(x, h);
      expect(q.shape).toEqual([b, h, t, d]);
      expect(Array.from(q.data)).toEqual(splitByIndex(x, h));
      const same = t === 1 || h === 1;
      expect(q.data === x.data).toBe(same);
      const m = ops.mergeHeads(q);
      expect(m.shape).toEqual([b, t, h * d]);
      expect(Array.from(m.data)).toEqual(Array.from(x.data));
      expect(m.data === q.data).toBe(same);
    });
  }

  it("a permutation that moves only axes of size 1 is a view; others copy", () => {
    const x = randomTensor([2, 1, 3, 1, 4], 7);
    const y = ops.permute(x, [1, 0, 3, 2, 4]);
    expect(y.shape).toEqual([1, 2, 1, 3, 4]);
    expect(y.data).toBe(x.data);
    const z = ops.permute(x, [0, 1, 4, 3, 2]);
    expect(z.data).not.toBe(x.data);
    expect(z.data[1]).toBe(x.data[4]); // z[0, 0, 0, 0, 1] = x[0, 0, 1, 0, 0]
  });

  it("view shares the data under the new shape, with reshape's checks; reshape copies", () => {
    const x = randomTensor([2, 3, 4], 3);
    const v = ops.view(x, [6, -1]);
    expect(v.shape).toEqual([6, 4]);
    expect(v.data).toBe(x.data);
    expect(() => ops.view(x, [5, -1])).toThrow(RuntimeShapeError);
    expect(ops.reshape(x, [6, 4]).data).not.toBe(x.data);
  });
});

interface RopeCase {
  name: string;
  args: lang.RopeArgs;
  heads: number;
  d: number;
}

const ROPE_CASES: RopeCase[] = [
  { name: "rotate_half", args: { theta: 10000 }, heads: 4, d: 16 },
  { name: "partial rotary, interleaved", args: { theta: 10000, style: "interleaved", dim: 8 }, heads: 2, d: 12 },
  { name: "linear scaling", args: { theta: 500000, scaling: "linear", factor: 4 }, heads: 2, d: 8 },
  { name: "dynamic NTK past the trained length", args: { theta: 10000, scaling: "dynamic", factor: 2, original: 6 }, heads: 2, d: 8 },
  { name: "static NTK, half not a multiple of 4", args: { theta: 10000, scaling: "ntk", factor: 3 }, heads: 3, d: 6 },
];

/** ops.rope's options for lang's rope arguments at a call of `length` positions from `offset` (as lang's rope did before its tables). */
function opsOptions(a: lang.RopeArgs, offset: number, length: number): ops.RopeOptions {
  const o: ops.RopeOptions = { theta: a.theta, style: (a.style ?? "rotate_half") as "rotate_half" | "interleaved", seqLen: offset + length };
  if (a.dim) o.rotaryDim = a.dim;
  if (a.scaling) o.scaling = { type: a.scaling as "linear" | "dynamic" | "ntk", factor: a.factor ?? 1, ...(a.original ? { originalMaxPositions: a.original } : {}) };
  return o;
}

describe("lang.rope with per-context tables", () => {
  for (const inScope of [true, false]) {
    it(`gives ops.rope's bits over a prefill and decoding steps, two argument sets interleaved${inScope ? " (in the heap, in place)" : " (outside a scope)"}`, () => {
      for (const c of ROPE_CASES) {
        const other: lang.RopeArgs = { theta: 1000000 };
        const ctx = new ForwardContext(true);
        for (const length of [5, 1, 1, 1, 3, 1]) {
          ctx.begin(2, length);
          const scope = inScope ? new ActivationScope() : undefined;
          try {
            for (let layer = 0; layer < 3; layer++) {
              for (const [args, heads] of [[c.args, c.heads], [other, 2]] as const) {
                const raw = randomTensor([2, heads, length, c.d], ctx.offset * 31 + layer * 7 + heads);
                const x = inScope ? inHeap(raw) : raw;
                const got = lang.rope(ctx, x, args);
                const want = ops.rope(raw, ctx.positions(), opsOptions(args, ctx.offset, length));
                expect(got.shape, c.name).toEqual([2, heads, length, c.d]);
                expect(Array.from(got.data), `${c.name} at offset ${ctx.offset}`).toEqual(Array.from(want.data));
              }
            }
          } finally {
            scope?.keep(undefined);
          }
          ctx.end();
        }
      }
    });
  }

  it("a long prefill's table (not kept in the heap) and the decoding steps after it give ops.rope's bits", () => {
    const ctx = new ForwardContext(true);
    const args: lang.RopeArgs = { theta: 10000 };
    for (const length of [600, 1, 1]) {
      ctx.begin(1, length);
      const scope = new ActivationScope();
      try {
        const raw = randomTensor([1, 1, length, 256], length);
        const got = lang.rope(ctx, inHeap(raw), args);
        expect(Array.from(got.data)).toEqual(Array.from(ops.rope(raw, ctx.positions(), opsOptions(args, ctx.offset, length)).data));
      } finally {
        scope.keep(undefined);
      }
      ctx.end();
    }
  });

  it("a call that fails leaves no table behind, and bad shapes get ops.rope's errors", () => {
    const ctx = new ForwardContext(true);
    ctx.begin(1, 2);
    const x = randomTensor([1, 2, 2, 8], 1);
    expect(() => lang.rope(ctx, x, { theta: 10000, scaling: "dynamic", factor: 2 })).toThrow(RuntimeArgumentError);
    expect(() => lang.rope(ctx, x, { theta: 10000, scaling: "dynamic", factor: 2 })).toThrow(RuntimeArgumentError);
    expect(() => lang.rope(ctx, randomTensor([1, 2, 3, 8], 2), { theta: 10000 })).toThrow(RuntimeShapeError);
    expect(() => lang.rope(ctx, x, { theta: 10000, dim: 5 })).toThrow(/rotaryDim/);
  });
});

describe("attention on a decoding step", () => {
  // GQA (4 query heads on 2 kv heads), batch 2, with and without a sliding window; enough
  // steps that the kept scratch block grows.
  for (const window of [undefined, 5]) {
    it(`every step through the cache equals attention over the whole sequence${window ? ` (window ${window})` : ""}, in the heap and on the TypeScript kernels`, () => {
      const [b, h, kv, d] = [2, 4, 2, 8];
      const total = 90;
      const qs = randomTensor([b, h, total, d], 11);
      const ks = randomTensor([b, kv, total, d], 12);
      const vs = randomTensor([b, kv, total, d], 13);
      const slice = (t: Tensor, from: number, to: number) => ops.slice(t, 2, from, to);
      for (const backend of ["wasm", "js"] as const) {
        if (backend === "js") useKernels(null);
        try {
          const ctx = new ForwardContext(true);
          let at = 0;
          for (const length of [7, ...Array<number>(total - 7).fill(1)]) {
            ctx.begin(b, length);
            const scope = new ActivationScope();
            try {
              const q = inHeap(slice(qs, at, at + length));
              const got = lang.attention(ctx, "site", q, inHeap(slice(ks, at, at + length)), inHeap(slice(vs, at, at + length)), { causal: true, window });
              const want = ops.attention(slice(qs, at, at + length), slice(ks, 0, at + length), slice(vs, 0, at + length), { causal: true, window });
              expect(got.shape).toEqual([b, h, length, d]);
              expectClose(got.data, want.data, 1e-6, 1e-5);
            } finally {
              scope.keep(undefined);
            }
            ctx.end();
            at += length;
          }
          expect(at).toBe(total);
        } finally {
          if (backend === "js") useKernels(modules, "test");
        }
      }
      expect(kernels()).toBeDefined();
    });
  }
});

describe("KV-cache append from the heap", () => {
  /** x copied into the kernels' heap (outside any scope). */
  const shared = (x: Tensor) => {
    const a = sharedArray(x.size)!;
    a.set(x.data);
    return new Tensor(a, [...x.shape]);
  };
  // Head sizes with and without a tail of floats past the last 16-byte vector.
  for (const [kd, vd] of [[8, 8], [5, 7]]) {
    it(`one wasm call per tensor puts each (batch, head) run where the element loop does (D = ${kd}, Dv = ${vd})`, () => {
      let inHeapCache: KvCache | undefined;
      let plainCache: KvCache | undefined;
      for (let i = 0; i < 12; i++) {
        const t = i === 0 ? 3 : 1 + (i % 3);
        const k = randomTensor([2, 3, t, kd], 40 + i);
        const v = randomTensor([2, 3, t, vd], 80 + i);
        inHeapCache ??= KvCache.for(k, v, undefined, 8);
        plainCache ??= new KvCache(2, 3, kd, vd, 8);
        inHeapCache.append(shared(k), shared(v));
        plainCache.append(k, v);
      }
      expect(inHeapCache!.length).toBe(plainCache!.length);
      expect(inHeapCache!.capacity).toBeGreaterThan(8);
      for (const which of ["k", "v"] as const) {
        const a = inHeapCache![which];
        const b = plainCache![which];
        const [bb, h, , d] = a.shape as [number, number, number, number];
        for (let r = 0; r < bb * h; r++) {
          const rowsA = a.data.subarray(r * a.shape[2]! * d, (r * a.shape[2]! + inHeapCache!.length) * d);
          const rowsB = b.data.subarray(r * b.shape[2]! * d, (r * b.shape[2]! + plainCache!.length) * d);
          expect(Array.from(rowsA)).toEqual(Array.from(rowsB));
        }
      }
    });
  }
});
