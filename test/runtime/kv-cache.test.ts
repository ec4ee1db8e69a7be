// The preallocated KV cache: appends and growth keep every position in place, a sliding
// window drops only keys no later query can see, and decoding with the cache (past the
// window too) gives the logits of a full pass over the whole sequence.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IntTensor, Tensor, ops, randomTensor } from "../../src/runtime/index.js";
import { KvCache } from "../../src/runtime/model/kv-cache.js";
import { loadCheckpoint } from "../../src/cli/checkpoint.js";
import { workspaceFor } from "../../src/cli/commands/model-ref.js";
import { expectClose } from "./close.js";

/** Position p of head h, batch b, as stored: [B, KV, T, D] rows of the concatenation of every append. */
function positions(chunks: Tensor[], b: number, h: number): number[][] {
  const rows: number[][] = [];
  for (const c of chunks) {
    const [, heads, t, d] = c.shape as [number, number, number, number];
    for (let p = 0; p < t; p++) rows.push(Array.from(c.data.subarray(((b * heads + h) * t + p) * d, ((b * heads + h) * t + p + 1) * d)));
  }
  return rows;
}

function cached(cache: KvCache, which: "k" | "v", b: number, h: number): number[][] {
  const t = which === "k" ? cache.k : cache.v;
  const [, heads, cap, d] = t.shape as [number, number, number, number];
  const rows: number[][] = [];
  for (let p = 0; p < cache.length; p++) rows.push(Array.from(t.data.subarray(((b * heads + h) * cap + p) * d, ((b * heads + h) * cap + p + 1) * d)));
  return rows;
}

describe("KvCache", () => {
  it("appends in place and keeps every position across growth", () => {
    const chunks: Tensor[] = [];
    const vchunks: Tensor[] = [];
    let cache: KvCache | undefined;
    for (let i = 0; i < 40; i++) {
      const t = i === 0 ? 200 : 1 + (i % 7) * 20;
      const k = randomTensor([2, 3, t, 5], i);
      const v = randomTensor([2, 3, t, 4], 100 + i);
      cache ??= KvCache.for(k, v);
      cache.append(k, v);
      chunks.push(k);
      vchunks.push(v);
    }
    const total = chunks.reduce((s, c) => s + c.shape[2]!, 0);
    expect(cache!.length).toBe(total);
    expect(cache!.capacity).toBeGreaterThanOrEqual(total);
    for (const [b, h] of [[0, 0], [1, 2]] as const) {
      expect(cached(cache!, "k", b, h)).toEqual(positions(chunks, b, h));
      expect(cached(cache!, "v", b, h)).toEqual(positions(vchunks, b, h));
    }
  });

  it("with a window, drops only positions the next query cannot see, and only when it needs room", () => {
    const k0 = randomTensor([1, 2, 300, 4], 1);
    const cache = KvCache.for(k0, k0);
    cache.append(k0, k0, 8);
    expect(cache.start).toBe(0);
    const all = [k0];
    for (let i = 0; i < 400; i++) {
      const k = randomTensor([1, 2, 1, 4], 10 + i);
      cache.append(k, k, 8);
      all.push(k);
      // The query at the newest position sees it and the 7 before it.
      expect(cache.length).toBeGreaterThanOrEqual(8);
      expect(cache.start + cache.length).toBe(300 + i + 1);
      const expected = positions(all, 0, 1).slice(cache.start);
      expect(cached(cache, "k", 0, 1)).toEqual(expected);
    }
    expect(cache.start).toBeGreaterThan(0);
    expect(cache.capacity).toBe(300 + 256);
  });

  it("reserves the positions a generation will reach when told, and still grows past them", () => {
    const k = randomTensor([1, 2, 4, 8], 1);
    const v = randomTensor([1, 2, 4, 8], 2);
    // prompt 4 + 6 new tokens: 10 positions; unknown: the first call's 4 and 256 spare.
    expect(KvCache.for(k, v, undefined, 10).capacity).toBe(10);
    expect(KvCache.for(k, v).capacity).toBe(4 + 256);
    // Fewer positions than the first call brings is not a usable hint.
    expect(KvCache.for(k, v, undefined, 2).capacity).toBe(4 + 256);
    const cache = KvCache.for(k, v, undefined, 6);
    const chunks = [k, randomTensor([1, 2, 1, 8], 3), randomTensor([1, 2, 1, 8], 4), randomTensor([1, 2, 1, 8], 5)];
    cache.append(k, v);
    for (const c of chunks.slice(1)) cache.append(c, c);
    expect(cache.length).toBe(7);
    expect(cache.capacity).toBeGreaterThanOrEqual(7);
    for (let h = 0; h < 2; h++) expect(cached(cache, "k", 0, h)).toEqual(positions(chunks, 0, h));
  });

  it("reset keeps the buffers and empties the cache", () => {
    const k = randomTensor([1, 1, 3, 2], 1);
    const cache = KvCache.for(k, k);
    cache.append(k, k);
    const buffer = cache.k.data;
    cache.clear();
    expect(cache.length).toBe(0);
    cache.append(k, k);
    expect(cache.k.data).toBe(buffer);
    expect(cached(cache, "k", 0, 0)).toEqual(positions([k], 0, 0));
  });

  it("attention reads only the first keyLength positions of a preallocated buffer", () => {
    const q = randomTensor([1, 2, 3, 4], 1);
    const k = randomTensor([1, 2, 5, 4], 2);
    const v = randomTensor([1, 2, 5, 4], 3);
    const cache = KvCache.for(k, v);
    cache.append(k, v);
    const full = ops.attention(q, k, v, { causal: true });
    const fromCache = ops.attention(q, cache.k, cache.v, { causal: true, keyLength: cache.length });
    expect(Array.from(fromCache.data)).toEqual(Array.from(full.data));
  });
});

describe("decoding with the cache equals a full pass", () => {
  const root = join(__dirname, "../../../shared/conformance");
  // mistral-tiny has a sliding window of 4: 30 steps decode far past it, and its cache
  // (3 + 16 positions of room) drops old keys several times on the way.
  for (const name of ["mistral-tiny", "llama-tiny"]) {
    it(`${name}: every step's logits match a full uncached pass over the sequence so far`, async () => {
      const { session } = await loadCheckpoint(workspaceFor([]), join(root, name));
      const input = session.streamInput ?? "input_ids";
      const seq = [1, 17, 42];
      const ctx = session.newContext(true);
      let out = session.forward({ [input]: new IntTensor(Int32Array.from(seq), [1, seq.length]) }, ctx).output;
      for (let step = 0; step < 30; step++) {
        const vocab = out.shape[2]!;
        const last = out.data.subarray(out.data.length - vocab);
        const full = session.forward({ [input]: new IntTensor(Int32Array.from(seq), [1, seq.length]) }).output;
        expectClose(last, full.data.subarray(full.data.length - vocab), 1e-5, 1e-5);
        const id = last.indexOf(Math.max(...last));
        seq.push(id);
        out = session.forward({ [input]: new IntTensor(Int32Array.of(id), [1, 1]) }, ctx).output;
      }
      const starts = [...ctx.kv.values()].map((c) => c.start);
      if (name === "mistral-tiny") expect(Math.min(...starts)).toBeGreaterThan(0);
      else expect(starts.every((s) => s === 0)).toBe(true);
    });
  }
});
