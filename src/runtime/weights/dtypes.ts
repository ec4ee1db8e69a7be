/**
 * Safetensors dtypes this runtime loads, and their decoding to float32.
 * Tensor data may start at any byte offset in a file, while typed-array views
 * need element alignment, so unaligned input is first copied to a fresh buffer.
 */

export const LOADABLE_DTYPES = ["F32", "F16", "BF16", "F64"] as const;
export type LoadableDtype = (typeof LOADABLE_DTYPES)[number];

/** Dtypes the safetensors format defines but a float32 runtime has no use for. */
export const OTHER_SAFETENSORS_DTYPES = ["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E4M3", "F8_E5M2"] as const;

export const DTYPE_BYTES: Record<LoadableDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export function isLoadableDtype(d: unknown): d is LoadableDtype {
  return typeof d === "string" && (LOADABLE_DTYPES as readonly string[]).includes(d);
}

// Safetensors data is little-endian; on the (rare) big-endian host every
// value goes through a DataView instead of a typed-array view.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE binary16 → binary32, exact for every input including subnormals, ±Inf and NaN. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;

/** All 65536 half values, built on first use: decoding is then one lookup per element. */
function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Decodes little-endian `dtype` values; the F32 result may share `bytes`' buffer. */
export function decodeToFloat32(dtype: LoadableDtype, raw: Uint8Array): Float32Array {
  const bytes = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  if (!HOST_IS_LITTLE_ENDIAN) return decodeWithDataView(dtype, bytes, n);
  switch (dtype) {
    case "F32":
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case "F64":
      return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n));
    case "F16": {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      const table = halfLookup();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return out;
    }
    case "BF16": {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
      return new Float32Array(bits.buffer);
    }
  }
}

/** Whether this host stores numbers little-endian, as safetensors does. */
export function isNativeLittleEndian(): boolean {
  return HOST_IS_LITTLE_ENDIAN;
}

/** Whether `dtype` data can be read byte for byte into a Float32Array (then no decoding pass). */
export function isNativeFloat32(dtype: LoadableDtype): boolean {
  return dtype === "F32" && HOST_IS_LITTLE_ENDIAN;
}

/** Decodes little-endian `dtype` values into `out` (an array allocated by the caller, e.g. in shared memory). */
export function decodeInto(dtype: LoadableDtype, raw: Uint8Array, out: Float32Array): void {
  const n = out.length;
  if (isNativeFloat32(dtype)) {
    new Uint8Array(out.buffer, out.byteOffset, n * 4).set(raw.subarray(0, n * 4));
    return;
  }
  if (!HOST_IS_LITTLE_ENDIAN || dtype === "F64") {
    out.set(decodeToFloat32(dtype, raw));
    return;
  }
  const bytes = raw.byteOffset % 2 === 0 ? raw : raw.slice();
  const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  if (dtype === "F16") {
    const table = halfLookup();
    for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
  } else {
    // BF16: the top half of a float32.
    const bits = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
  }
}

function decodeWithDataView(dtype: LoadableDtype, bytes: Uint8Array, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const bitsView = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case "F32":
        out[i] = view.getFloat32(i * 4, true);
        break;
      case "F64":
        out[i] = view.getFloat64(i * 8, true);
        break;
      case "F16":
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
      case "BF16":
        bitsView.setUint32(0, view.getUint16(i * 2, true) << 16);
        out[i] = bitsView.getFloat32(0);
        break;
    }
  }
  return out;
}
