/**
 * A float32 weight whose values stay in the safetensors file until they are read, as with
 * a memory-mapped checkpoint. Its array is allocated up front (in the kernels' shared
 * memory, whose untouched pages take no resident memory) and filled on the first read of
 * `data`; a table lookup (ops.embedding) fills only the rows it reads. A model thus holds
 * in memory the rows of its token-embedding table that its inputs use, not the table.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { Tensor } from "../tensor.js";
import { WeightsError } from "./errors.js";

export class DeferredTensor extends Tensor {
  // Declared, not fields: the base constructor's assignment of `data` already sets the first
  // two through the setter below, and every instance keeps one shape (a fast-mode object).
  /** Per row of the leading dim: 1 once read; undefined once the whole tensor is. */
  private declare rowsRead: Uint8Array | undefined;
  private declare store: Float32Array;
  private readonly rowFloats: number;

  /** `store` receives the little-endian float32 bytes at `position` of `file`. */
  constructor(store: Float32Array, shape: number[], private readonly file: string, private readonly position: number) {
    super(store, shape);
    const rows = shape.length ? shape[0]! : 1;
    this.rowFloats = rows ? store.length / rows : 0;
    this.rowsRead = new Uint8Array(rows);
  }

  // `data` as an accessor of the class, shared by every instance. (TypeScript does not let an
  // accessor override the base's property, hence defined here rather than as `get data()`.)
  static {
    Object.defineProperty(this.prototype, "data", {
      /** The values, read from the file in full on the first access. */
      get(this: DeferredTensor): Float32Array {
        return this.rowsRead === undefined ? this.store : this.readAll();
      },
      /** New values replace the file's: the tensor is resident from then on. */
      set(this: DeferredTensor, values: Float32Array) {
        this.store = values;
        this.rowsRead = undefined;
      },
    });
  }

  /** Whether every value has been read from the file. */
  get resident(): boolean {
    return this.rowsRead === undefined;
  }

  /** The backing array with at least the given rows (of the leading dim) read in. */
  rows(indices: ArrayLike<number>): Float32Array {
    const seen = this.rowsRead;
    if (!seen) return this.store;
    let fd: number | undefined;
    try {
      for (let i = 0; i < indices.length; i++) {
        const r = indices[i]!;
        if (r < 0 || r >= seen.length || seen[r]) continue;
        fd ??= this.open();
        this.read(fd, r * this.rowFloats, this.rowFloats);
        seen[r] = 1;
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return this.store;
  }

  private readAll(): Float32Array {
    if (this.rowsRead) {
      const fd = this.open();
      try {
        this.read(fd, 0, this.store.length);
      } finally {
        closeSync(fd);
      }
      this.rowsRead = undefined;
    }
    return this.store;
  }

  private open(): number {
    try {
      return openSync(this.file, "r");
    } catch (e) {
      throw new WeightsError({ file: this.file, expected: "the checkpoint file, still readable", found: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
  }

  /** Floats [from, from + n) of the tensor from the file into the store. */
  private read(fd: number, from: number, n: number): void {
    const bytes = new Uint8Array(this.store.buffer, this.store.byteOffset + from * 4, n * 4);
    let done = 0;
    while (done < bytes.byteLength) {
      const got = readSync(fd, bytes, done, Math.min(bytes.byteLength - done, 0x7fff0000), this.position + from * 4 + done);
      if (got === 0) throw new WeightsError({ file: this.file, expected: `${bytes.byteLength} bytes at offset ${this.position + from * 4}`, found: `end of file after ${done} bytes`, detail: "file changed after loading" });
      done += got;
    }
  }
}
