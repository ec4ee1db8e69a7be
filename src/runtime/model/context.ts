// The state one forward call runs in: where the tokens sit (offset after the KV cache),
// the padding mask, the per-site KV caches and recurrent states that persist across
// decoding steps, and the tensors the model emits (hidden_states.i, router_logits.i).
import { IntTensor, Tensor } from "../tensor.js";
import type { KvCache } from "./kv-cache.js";

/** The cache of one attention site (preallocated buffers; see kv-cache.ts). */
export type KvEntry = KvCache;

export class ForwardContext {
  /** Absolute position of the first token of this call (tokens already in the cache). */
  offset = 0;
  /** Tokens in this call. */
  length = 0;
  batch = 1;
  /** [B, offset + length]: 1 = real token, 0 = padding; absent when every token is real. */
  attentionMask: IntTensor | undefined;
  readonly kv = new Map<string, KvEntry>();
  readonly state = new Map<string, unknown>();
  readonly emitted = new Map<string, Tensor>();
  /**
   * The root's own linear heads, while the caller needs only the last position's output
   * (generation): they then see only that position (Hugging Face's logits_to_keep = 1).
   */
  lastPositionHeads: ReadonlySet<object> | undefined;
  /**
   * How many positions the sequence will reach (prompt + new tokens), when the caller knows
   * (generation): KV caches reserve that many rather than a fixed spare.
   */
  expectedPositions: number | undefined;
  /** Whether emitted tensors are kept for the caller (ForwardOptions.emitted). */
  recordEmitted = true;
  /** Whether the call's result may stay in the kernels' heap until the next call (ForwardOptions.lendOutput). */
  lendOutput = false;
  private readonly counters = new Map<string, number>();
  /** Whether to keep K/V and recurrent state for the next call (generation). */
  constructor(readonly useCache = false) {}

  /** Prepares for a call over `ids` [B, T]; `mask` covers cached and new tokens. */
  begin(batch: number, length: number, mask?: IntTensor): void {
    this.batch = batch;
    this.length = length;
    this.attentionMask = mask;
    this.emitted.clear();
    this.counters.clear();
  }

  /** Ends a call: the next one continues after these tokens when caching. */
  end(): void {
    if (this.useCache) this.offset += this.length;
  }

  positions(): Int32Array {
    const p = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) p[i] = this.offset + i;
    return p;
  }

  emit(name: string, index: number | undefined, t: Tensor): void {
    if (!this.recordEmitted) return;
    const i = index ?? this.counters.get(name) ?? 0;
    this.counters.set(name, i + 1);
    this.emitted.set(`${name}.${i}`, t);
  }

  /** Starts a new sequence: empty caches (their buffers are kept for reuse), no state. */
  reset(): void {
    this.offset = 0;
    for (const cache of this.kv.values()) cache.clear();
    this.state.clear();
  }
}
