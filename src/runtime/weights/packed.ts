/**
 * A weight matrix held as bfloat16 or int8 blocks (formats.ts) instead of float32: half or
 * under a third of the bytes, in memory and read per token. The product kernels read the
 * storage as it is (kernels/linear.ts); a table lookup decodes only the rows it reads
 * (ops.embedding). Any other reader of `.data` gets the float32 values the storage stands
 * for: the matrix is then widened once, for good (its float32 array replaces the storage),
 * so an op without a kernel for the format still computes with the same weight values.
 *
 * Rows are filled from their source on first use, as with DeferredTensor: a checkpoint's
 * token-embedding table costs only the rows looked up.
 */
import { shapeSize } from "../layout.js";
import { Tensor } from "../tensor.js";
import { decodeBf16, decodeQ8Block, encodeBf16, encodeQ8Block, packedBytes, q8BlockIndex, q8ScalesOffset, Q8_BLOCK, type PackedFormat } from "./formats.js";

/** Where a matrix's values come from, a range of rows at a time. */
export interface RowSource {
  /** Rows [r0, r1) as float32 values (valid until the next call: sources may reuse the array). */
  f32(r0: number, r1: number): Float32Array;
  /** Rows [r0, r1) when they are stored as bfloat16: their bits, copied into `into` (no rounding). */
  bf16?(r0: number, r1: number, into: Uint16Array): void;
}

/** Memory for the storage and the widened values: the kernels' shared memory, or plain arrays. */
export interface PackedAlloc {
  bytes(n: number): Uint8Array | undefined;
  floats(n: number): Float32Array | undefined;
}

const PLAIN: PackedAlloc = { bytes: (n) => new Uint8Array(n), floats: (n) => new Float32Array(n) };

/**
 * Rows filled per read: 1 MiB of float32 source values at a time. The read buffer stays
 * allocated (resident) for later lookups, so it is kept small; larger reads are no faster.
 */
const FILL_ELEMENTS = 1 << 18;

export class PackedTensor extends Tensor {
  /** The float32 values once widened (or assigned); set first, by the base constructor. */
  private declare values: Float32Array | undefined;
  private storage: Uint8Array | undefined;
  private source: RowSource | undefined;
  /** Per row: 1 once filled; undefined once every row is. */
  private rowsFilled: Uint8Array | undefined;
  private readonly rowCount: number;
  private readonly cols: number;

  constructor(
    readonly format: PackedFormat,
    shape: [number, number],
    source: RowSource,
    private readonly alloc: PackedAlloc = PLAIN,
  ) {
    // Only the length is read, by the base constructor, whose assignment of `data` lands in
    // the accessor below: forgotten at once.
    super({ length: shapeSize(shape) } as unknown as Float32Array, shape);
    this.values = undefined;
    [this.rowCount, this.cols] = shape;
    if (format === "int8" && this.cols % Q8_BLOCK !== 0) throw new RangeError(`int8 rows need a multiple of ${Q8_BLOCK} weights, found ${this.cols}`);
    const bytes = packedBytes(format, this.rowCount, this.cols);
    this.storage = alloc.bytes(bytes) ?? new Uint8Array(bytes);
    this.source = source;
    this.rowsFilled = new Uint8Array(this.rowCount);
  }

  // `data` as an accessor of the class, shared by every instance: redefining it per instance
  // would make every packed weight a slow dictionary-mode object (as deferred.ts explains).
  static {
    Object.defineProperty(this.prototype, "data", {
      /** The float32 values, widened on the first read. */
      get(this: PackedTensor): Float32Array {
        return this.values ?? this.widen();
      },
      set(this: PackedTensor, values: Float32Array) {
        this.values = values;
      },
    });
  }

  override get size(): number {
    return shapeSize(this.shape);
  }

  /** The storage with every row filled (for the kernels), or undefined once widened to float32. */
  packed(): Uint8Array | undefined {
    if (!this.storage) return undefined;
    this.fill(0, this.rowCount);
    return this.storage;
  }

  /** Whether every row has been filled (a lookup table typically has only the rows it was asked for). */
  get resident(): boolean {
    return this.rowsFilled === undefined;
  }

  /** Bytes the matrix holds now: its storage, or its float32 array once widened. */
  get heldBytes(): number {
    return this.storage ? this.storage.byteLength : this.size * 4;
  }

  /** Rows `ids` (of the leading dim, each in range) as float32, row i of the result for ids[i]. */
  gatherRows(ids: ArrayLike<number>): Float32Array {
    const d = this.cols;
    const out = new Float32Array(ids.length * d);
    if (!this.storage) {
      const all = this.data;
      for (let i = 0; i < ids.length; i++) out.set(all.subarray(ids[i]! * d, ids[i]! * d + d), i * d);
      return out;
    }
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i]!;
      this.fill(r, r + 1);
      this.decodeRows(r, r + 1, out.subarray(i * d, i * d + d));
    }
    return out;
  }

  /** Fills the rows of [r0, r1) not filled yet, in runs of consecutive rows. */
  private fill(r0: number, r1: number): void {
    const seen = this.rowsFilled;
    if (!seen) return;
    const step = Math.max(1, Math.floor(FILL_ELEMENTS / Math.max(1, this.cols)));
    let r = r0;
    while (r < r1) {
      if (seen[r]) {
        r++;
        continue;
      }
      let e = r;
      while (e < r1 && e - r < step && !seen[e]) e++;
      this.encodeRows(r, e);
      seen.fill(1, r, e);
      r = e;
    }
    if (r0 === 0 && r1 === this.rowCount) {
      // Every row is in: the source (a file) is not needed any more.
      this.rowsFilled = undefined;
      this.source = undefined;
    }
  }

  private encodeRows(r0: number, r1: number): void {
    const s = this.storage!;
    const src = this.source!;
    const a = r0 * this.cols;
    const n = (r1 - r0) * this.cols;
    if (this.format === "bf16") {
      const bits = new Uint16Array(s.buffer, s.byteOffset + a * 2, n);
      if (src.bf16) src.bf16(r0, r1, bits);
      else encodeBf16(src.f32(r0, r1), bits);
    } else {
      const values = src.f32(r0, r1);
      const { q, scales } = this.q8Parts();
      const nb = this.cols / Q8_BLOCK;
      for (let r = r0; r < r1; r++) {
        for (let b = 0; b < nb; b++) {
          const k = q8BlockIndex(r, b, nb);
          scales[k] = encodeQ8Block(values, ((r - r0) * nb + b) * Q8_BLOCK, q, k * Q8_BLOCK);
        }
      }
    }
  }

  private decodeRows(r0: number, r1: number, out: Float32Array): void {
    const s = this.storage!;
    const n = (r1 - r0) * this.cols;
    if (this.format === "bf16") decodeBf16(new Uint16Array(s.buffer, s.byteOffset + r0 * this.cols * 2, n), out);
    else {
      const { q, scales } = this.q8Parts();
      const nb = this.cols / Q8_BLOCK;
      for (let r = r0; r < r1; r++) {
        for (let b = 0; b < nb; b++) {
          const k = q8BlockIndex(r, b, nb);
          decodeQ8Block(q, k * Q8_BLOCK, scales[k]!, out, ((r - r0) * nb + b) * Q8_BLOCK);
        }
      }
    }
  }

  /** The int8 values and the scales, in the storage's layout (formats.ts q8BlockIndex). */
  private q8Parts(): { q: Int8Array; scales: Float32Array } {
    const s = this.storage!;
    const at = q8ScalesOffset(this.rowCount, this.cols);
    return { q: new Int8Array(s.buffer, s.byteOffset, at), scales: new Float32Array(s.buffer, s.byteOffset + at, at / Q8_BLOCK) };
  }

  /** The float32 values, computed once; the storage is dropped. */
  private widen(): Float32Array {
    this.fill(0, this.rowCount);
    const values = this.alloc.floats(this.size) ?? new Float32Array(this.size);
    this.decodeRows(0, this.rowCount, values);
    this.storage = undefined;
    this.values = values;
    return values;
  }
}

/** Bytes a weight holds in memory: a packed matrix's storage, or 4 per float32 value. */
export function heldBytes(t: Tensor): number {
  return t instanceof PackedTensor ? t.heldBytes : shapeSize(t.shape) * 4;
}
