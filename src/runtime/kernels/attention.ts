/**
 * The attention row loop of ops.attention on the WebAssembly kernel of attention.wat, for
 * the common case: causal and/or sliding-window masks, no bias, soft-cap, padding or
 * segments, head sizes a multiple of 4. Keys and values are read in place when they are
 * KV-cache buffers in the shared memory (kv-cache.ts allocates them there).
 * Returns undefined when the TypeScript loop should answer instead.
 */
import { Tensor } from "../tensor.js";
import { kernels } from "./index.js";
import { Staging } from "./staging.js";
import { activeArena } from "./arena.js";

interface AttendExport {
  (q: number, k: number, v: number, out: number, scratch: number, t: number, d: number, dv: number, s: number,
    scale: number, qOff: number, window: number, causal: number): void;
}

let cached: { instance: WebAssembly.Instance; attend: AttendExport; origin: WebAssembly.Module } | undefined;

function attendFn(): AttendExport | undefined {
  const k = kernels();
  if (!k) return undefined;
  if (!cached || cached.origin !== k.modules.attention) {
    const instance = new WebAssembly.Instance(k.modules.attention, { env: { memory: k.heap.memory } });
    cached = { instance, attend: instance.exports.attend as AttendExport, origin: k.modules.attention };
  }
  return cached.attend;
}

/** q[B, H, T, D], k[B, KV, capacity, D], v[B, KV, capacity, Dv] (validated by the caller); s keys. */
export function attentionKernel(
  q: Tensor, k: Tensor, v: Tensor, s: number, scale: number, queryOffset: number, window: number | undefined, causal: boolean,
): Tensor | undefined {
  const attend = attendFn();
  if (!attend) return undefined;
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const [, kvHeads, cap] = k.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (d === 0 || dv === 0 || d % 4 !== 0 || dv % 4 !== 0 || t === 0 || b === 0) return undefined;
  if (!Number.isInteger(queryOffset) || Math.abs(queryOffset) >= 2 ** 30 || (window !== undefined && window >= 2 ** 30)) return undefined;
  const heap = kernels()!.heap;
  // Inside a forward call, with every operand in the heap already: output and scratch in the call's arena.
  const arena = activeArena();
  const out = arena && heap.contains(q.data) && heap.contains(k.data) && heap.contains(v.data) ? arena.floats(b * h * t * dv) : undefined;
  const scratch = out && arena!.floats(s + 4);
  const st = new Staging(heap);
  try {
    const qp = st.input(q.data);
    const kp = st.input(k.data);
    const vp = st.input(v.data);
    const op = out && scratch ? out.byteOffset : st.output(b * h * t * dv);
    const sc = out && scratch ? scratch.byteOffset : st.output(s + 4);
    if (st.failed) return undefined;
    const groups = h / kvHeads;
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        const kv = bi * kvHeads + Math.floor(hi / groups);
        attend(
          qp + (bi * h + hi) * t * d * 4, kp + kv * cap * d * 4, vp + kv * cap * dv * 4, op + (bi * h + hi) * t * dv * 4, sc,
          t, d, dv, s, scale, queryOffset, window ?? 0, causal ? 1 : 0,
        );
      }
    }
    return new Tensor(out && scratch ? out : heap.f32(op, b * h * t * dv).slice(), [b, h, t, dv]);
  } finally {
    st.release();
  }
}
