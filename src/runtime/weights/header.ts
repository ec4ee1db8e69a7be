/**
 * Parsing and strict validation of a safetensors header. Everything about the
 * file layout is checked here, before any tensor data is read, so a corrupt or
 * truncated checkpoint fails with a precise error instead of garbage weights.
 */
import { DTYPE_BYTES, isLoadableDtype, LOADABLE_DTYPES, OTHER_SAFETENSORS_DTYPES, type LoadableDtype } from "./dtypes.js";
import { WeightsError } from "./errors.js";

/** Same limit as the reference safetensors implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: LoadableDtype;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface ParsedHeader {
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  dataStart: number;
}

const ENTRY_KEYS = ["data_offsets", "dtype", "shape"];

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates the 8-byte length prefix against the file size; returns the header length. */
export function checkPrefix(file: string, fileSize: number, prefix: Uint8Array): number {
  if (fileSize < 8) {
    throw new WeightsError({ file, expected: "at least 8 bytes (the header length)", found: `${fileSize} bytes` });
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new WeightsError({ file, expected: `a header length of at most ${MAX_HEADER_BYTES} bytes`, found: `${n} bytes` });
  }
  if (n > BigInt(fileSize - 8)) {
    throw new WeightsError({ file, expected: `a header length of at most ${fileSize - 8} bytes (file size ${fileSize})`, found: `${n} bytes`, detail: "header runs past the end of the file" });
  }
  return Number(n);
}

/** Parses the header bytes; `dataBytes` is the size of the data section that follows. */
export function parseHeader(file: string, headerBytes: Uint8Array, dataBytes: number): ParsedHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new WeightsError({ file, expected: "a UTF-8 header", found: "bytes that are not valid UTF-8" });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WeightsError({ file, expected: "a JSON header", found: `invalid JSON (${(e as Error).message})` });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new WeightsError({ file, expected: "a JSON object header", found: describe(json) });
  }

  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") metadata = checkMetadata(file, value);
    else entries.push(checkEntry(file, name, value, dataBytes));
  }
  checkCoverage(file, entries, dataBytes);
  return { entries, metadata, dataStart: 8 + headerBytes.byteLength };
}

function checkMetadata(file: string, value: unknown): Record<string, string> {
  const ok = value !== null && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
  if (!ok) {
    throw new WeightsError({ file, tensor: "__metadata__", expected: "an object of string values", found: describe(value) });
  }
  return value as Record<string, string>;
}

function isIndex(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function checkEntry(file: string, name: string, value: unknown, dataBytes: number): TensorEntry {
  const fail = (expected: string, found: string, detail?: string): never => {
    throw new WeightsError({ file, tensor: name, expected, found, ...(detail ? { detail } : {}) });
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail("an object {dtype, shape, data_offsets}", describe(value));
  }
  const keys = Object.keys(value).sort();
  if (keys.join() !== ENTRY_KEYS.join()) {
    const missing = ENTRY_KEYS.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !ENTRY_KEYS.includes(k));
    const found = [missing.length ? `missing ${missing.join(", ")}` : "", extra.length ? `extra ${extra.join(", ")}` : ""].filter(Boolean).join("; ");
    return fail("exactly the keys dtype, shape, data_offsets", found);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (!isLoadableDtype(dtype)) {
    const known = typeof dtype === "string" && (OTHER_SAFETENSORS_DTYPES as readonly string[]).includes(dtype);
    return fail(`a dtype among ${LOADABLE_DTYPES.join(", ")}`, known ? `${dtype} (not loadable as float weights)` : `unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    return fail("a shape that is an array of non-negative integers", describe(shape));
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return fail("data_offsets [begin, end] of non-negative integers", describe(offsets));
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail("data_offsets with begin <= end", `[${begin}, ${end}]`);
  if (end > dataBytes) {
    return fail(`data_offsets within the ${dataBytes}-byte data section`, `[${begin}, ${end}]`, "past the end of the file");
  }
  const elements = (shape as number[]).reduce((p, q) => p * q, 1);
  const bytes = elements * DTYPE_BYTES[dtype];
  if (end - begin !== bytes) {
    return fail(`${bytes} bytes (${elements} elements of ${dtype}, shape [${shape.join(", ")}])`, `${end - begin} bytes in data_offsets [${begin}, ${end}]`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Tensors must tile the data section exactly: no overlaps, no gaps, no trailing bytes. */
function checkCoverage(file: string, entries: readonly TensorEntry[], dataBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: TensorEntry | undefined;
  for (const e of sorted) {
    if (e.begin < at) {
      throw new WeightsError({
        file, tensor: e.name,
        expected: `data starting at byte ${at} or later`,
        found: `data_offsets [${e.begin}, ${e.end}]`,
        detail: `overlaps tensor ${JSON.stringify(prev!.name)} [${prev!.begin}, ${prev!.end}]`,
      });
    }
    if (e.begin > at) {
      throw new WeightsError({
        file, tensor: e.name,
        expected: `data starting at byte ${at}${prev ? `, right after tensor ${JSON.stringify(prev.name)}` : ""}`,
        found: `data_offsets [${e.begin}, ${e.end}]`,
        detail: `bytes ${at}..${e.begin} of the data section belong to no tensor`,
      });
    }
    at = e.end;
    prev = e;
  }
  if (at !== dataBytes) {
    throw new WeightsError({
      file,
      expected: `tensors covering the whole ${dataBytes}-byte data section`,
      found: `tensors ending at byte ${at}`,
      detail: `${dataBytes - at} trailing bytes belong to no tensor`,
    });
  }
}
