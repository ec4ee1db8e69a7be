/**
 * Reading and writing .safetensors files. Reads go through a file descriptor,
 * one tensor at a time, so checkpoints larger than a Node Buffer still load
 * and each tensor lands in its own freshly allocated (aligned) array.
 */
import { closeSync, fstatSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { Tensor } from "../tensor.js";
import { decodeInto, decodeToFloat32, DTYPE_BYTES, isNativeFloat32, isNativeLittleEndian, type LoadableDtype } from "./dtypes.js";
import { WeightsError } from "./errors.js";
import { checkPrefix, parseHeader } from "./header.js";
import { DeferredTensor } from "./deferred.js";
import { q8Fits, type PackedFormat, type WeightMode } from "./formats.js";
import { PackedTensor, type PackedAlloc, type RowSource } from "./packed.js";

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, Tensor>;
  /** The stored dtype of each tensor before conversion to float32. */
  dtypes: Map<string, LoadableDtype>;
  /** The header's `__metadata__` (empty when absent). */
  metadata: Record<string, string>;
  /** Non-fatal findings, e.g. tensors holding NaN or infinite values. */
  warnings: string[];
}

function readExactly(fd: number, file: string, length: number, position: number): Uint8Array {
  return readInto(fd, file, new Uint8Array(length), position);
}

/** Fills `buf` from the file at `position`. */
function readInto(fd: number, file: string, buf: Uint8Array, position: number): Uint8Array {
  const length = buf.byteLength;
  let done = 0;
  while (done < length) {
    // readSync takes at most 2^31 − 1 bytes per call.
    const n = readSync(fd, buf, done, Math.min(length - done, 0x7fff0000), position + done);
    if (n === 0) {
      throw new WeightsError({ file, expected: `${length} bytes at offset ${position}`, found: `end of file after ${done} bytes`, detail: "file changed while reading" });
    }
    done += n;
  }
  return buf;
}

function nonFiniteWarning(file: string, name: string, data: Float32Array, counts = [0, 0]): string | undefined {
  let nan = counts[0]!;
  let inf = counts[1]!;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  counts[0] = nan;
  counts[1] = inf;
  if (nan === 0 && inf === 0) return undefined;
  return `${file}: tensor ${JSON.stringify(name)} contains ${nan} NaN and ${inf} infinite value(s)`;
}

export interface ReadOptions {
  /**
   * Storage for each tensor's float32 values, e.g. the kernels' shared memory: F32 data is
   * read straight into it, other dtypes are converted into it. Undefined (or no alloc):
   * a fresh array.
   */
  alloc?: (elements: number) => Float32Array | undefined;
  /**
   * With alloc: float32 tensors are read on first use (DeferredTensor), and a table lookup
   * reads only the rows it needs, so unused embedding rows never become resident.
   */
  defer?: boolean;
  /**
   * How weight matrices (rank 2) are held: `auto` (the default) keeps bfloat16 ones
   * bfloat16 and widens other dtypes to float32; `fp32` widens every one; `bf16` rounds
   * every one to bfloat16; `int8` quantizes every one whose rows are whole 32-weight blocks
   * (formats.ts). Other tensors are always float32.
   */
  weights?: WeightMode;
  /** Byte storage for bfloat16 and int8 matrices (e.g. the kernels' shared memory). */
  allocBytes?: (bytes: number) => Uint8Array | undefined;
}

/** The storage `mode` gives a tensor of `dtype` and `shape`, or undefined for float32. */
export function packedFormatFor(mode: WeightMode, dtype: LoadableDtype, shape: readonly number[]): PackedFormat | undefined {
  if (shape.length !== 2 || shape[0] === 0 || shape[1] === 0) return undefined;
  switch (mode) {
    case "fp32":
      return undefined;
    case "auto":
      return dtype === "BF16" ? "bf16" : undefined;
    case "bf16":
      return "bf16";
    case "int8":
      return q8Fits(shape[1]!) ? "int8" : undefined;
  }
}

/**
 * The bytes rows are read into before packing: one buffer for every packed tensor (packing
 * is synchronous and consumes each read before the next), so filling a matrix leaves no
 * garbage of its size behind for the collector while the first forward pass runs.
 */
let rowScratch = new Uint8Array(0);

function rowBytes(n: number): Uint8Array {
  if (rowScratch.byteLength < n) rowScratch = new Uint8Array(n);
  return rowScratch.subarray(0, n);
}

/** Rows of a rows × cols tensor stored at `position` of `path`, read when asked for. */
function fileRows(path: string, position: number, dtype: LoadableDtype, cols: number): RowSource {
  const eb = DTYPE_BYTES[dtype];
  const read = (r0: number, into: Uint8Array): Uint8Array => {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new WeightsError({ file: path, expected: "the checkpoint file, still readable", found: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
    try {
      return readInto(fd, path, into, position + r0 * cols * eb);
    } finally {
      closeSync(fd);
    }
  };
  return {
    f32: (r0, r1) => decodeToFloat32(dtype, read(r0, rowBytes((r1 - r0) * cols * eb))),
    bf16:
      dtype === "BF16" && isNativeLittleEndian()
        ? (r0, _r1, into) => void read(r0, new Uint8Array(into.buffer, into.byteOffset, into.byteLength))
        : undefined,
  };
}

/** Reads every tensor as float32 (F16, BF16 and F64 are converted), validating the file strictly. */
export function readSafetensors(path: string, opts: ReadOptions = {}): SafetensorsFile {
  let fd: number;
  try {
    // A folder opens but cannot be read; a FIFO would block the open until a writer came.
    const st = statSync(path);
    if (!st.isFile()) throw new WeightsError({ file: path, expected: "a safetensors file", found: st.isDirectory() ? "a folder" : "not a regular file (a FIFO, socket or device)" });
    fd = openSync(path, "r");
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    throw new WeightsError({ file: path, expected: "a readable safetensors file", found: (e as NodeJS.ErrnoException).code ?? String(e) });
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = size >= 8 ? readExactly(fd, path, 8, 0) : new Uint8Array(8);
    const headerLength = checkPrefix(path, size, prefix);
    const header = parseHeader(path, readExactly(fd, path, headerLength, 8), size - 8 - headerLength);
    const result: SafetensorsFile = { path, tensors: new Map(), dtypes: new Map(), metadata: header.metadata, warnings: [] };
    let scratch: Uint8Array | undefined;
    const mode = opts.weights ?? "auto";
    const alloc: PackedAlloc = {
      bytes: (n) => opts.allocBytes?.(n),
      floats: (n) => opts.alloc?.(n),
    };
    for (const e of header.entries) {
      const position = header.dataStart + e.begin;
      const format = packedFormatFor(mode, e.dtype, e.shape);
      if (format) {
        scratch ??= new Uint8Array(1 << 22);
        const warning = scanNonFinite(fd, path, e.name, e.dtype, position, e.end - e.begin, scratch);
        if (warning) result.warnings.push(warning);
        const t = new PackedTensor(format, e.shape as [number, number], fileRows(path, position, e.dtype, e.shape[1]!), alloc);
        // Read now unless asked to defer (then on first use, a lookup reading only its rows).
        if (!opts.defer) t.packed();
        result.tensors.set(e.name, t);
        result.dtypes.set(e.name, e.dtype);
        continue;
      }
      const store = opts.defer && isNativeFloat32(e.dtype) ? opts.alloc?.((e.end - e.begin) / 4) : undefined;
      if (store) {
        // Checked now through a small buffer; the values are read when first used.
        scratch ??= new Uint8Array(1 << 22);
        const warning = scanNonFinite(fd, path, e.name, e.dtype, position, e.end - e.begin, scratch);
        if (warning) result.warnings.push(warning);
        result.tensors.set(e.name, new DeferredTensor(store, e.shape, path, position));
      } else {
        const data = readTensor(fd, path, e.dtype, e.end - e.begin, position, opts.alloc);
        const warning = nonFiniteWarning(path, e.name, data);
        if (warning) result.warnings.push(warning);
        result.tensors.set(e.name, new Tensor(data, e.shape));
      }
      result.dtypes.set(e.name, e.dtype);
    }
    return result;
  } finally {
    closeSync(fd);
  }
}

/** nonFiniteWarning over a tensor's file bytes, read a few MiB at a time. */
function scanNonFinite(fd: number, path: string, name: string, dtype: LoadableDtype, position: number, bytes: number, buffer: Uint8Array): string | undefined {
  const chunk = buffer.subarray(0, Math.min(bytes, buffer.byteLength));
  const counts = [0, 0];
  let warning: string | undefined;
  for (let off = 0; off < bytes; off += chunk.byteLength) {
    const n = Math.min(chunk.byteLength, bytes - off);
    readInto(fd, path, chunk.subarray(0, n), position + off);
    warning = nonFiniteWarning(path, name, decodeToFloat32(dtype, chunk.subarray(0, n)), counts);
  }
  return warning;
}

function readTensor(
  fd: number, path: string, dtype: LoadableDtype, bytes: number, position: number,
  alloc: ReadOptions["alloc"],
): Float32Array {
  const out = alloc?.(bytes / DTYPE_BYTES[dtype]);
  if (!out) return decodeToFloat32(dtype, readExactly(fd, path, bytes, position));
  if (isNativeFloat32(dtype)) readInto(fd, path, new Uint8Array(out.buffer, out.byteOffset, bytes), position);
  else decodeInto(dtype, readExactly(fd, path, bytes, position), out);
  return out;
}

/** The bytes of a float32 safetensors file: tensors stored in the given order, header space-padded to 8 bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const headerBytes = new TextEncoder().encode(json);
  json += " ".repeat((8 - (headerBytes.length % 8)) % 8);
  const padded = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + padded.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(padded, 8);
  const view = new DataView(out.buffer);
  let at = 8 + padded.length;
  for (const t of Object.values(tensors)) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}
