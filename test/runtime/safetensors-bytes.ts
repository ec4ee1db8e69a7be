/** Hand-assembles safetensors files byte by byte, including malformed ones. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "archc-weights-"));
}

/**
 * 8-byte little-endian header length, header, data. `header` may be an object
 * (JSON-encoded), a string or raw bytes; `declaredLength` overrides the prefix.
 */
export function fileBytes(header: object | string | Uint8Array, data: ArrayLike<number> = [], declaredLength?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

export function writeFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Little-endian bytes of 16-bit words, e.g. F16 or BF16 bit patterns. */
export function u16le(...words: number[]): number[] {
  return words.flatMap((w) => [w & 0xff, w >> 8]);
}

/** Little-endian bytes of float32 values, via their IEEE bit patterns. */
export function f32le(...bits: number[]): number[] {
  return bits.flatMap((b) => [b & 0xff, (b >>> 8) & 0xff, (b >>> 16) & 0xff, b >>> 24]);
}
