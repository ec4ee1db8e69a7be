// Bytes of an .arch file → its text. Only valid UTF-8 is read: decoding anything else
// would silently replace bytes by U+FFFD, and `archc fmt` would then write the replacement
// back over the user's bytes. An invalid byte is a located error instead.
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    // Overlong forms, surrogates and code points above U+10FFFF are refused by their second byte.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** The text of a source file, or an E0001 diagnostic at the first byte that is not UTF-8. */
export function decodeSource(file: string, bytes: Uint8Array): { text: string } | { diagnostic: Diagnostic } {
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    const before = decoder.decode(bytes.subarray(0, at));
    const lines = before.split(/\r\n|\r|\n/);
    const line = lines.length;
    const col = lines[lines.length - 1]!.length + 1;
    const shown = Array.from(bytes.subarray(at, at + 4), (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("");
    return {
      diagnostic: error("E0001", { file, line, col, offset: before.length, length: 1 }, `not valid UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at byte offset ${at}`, {
        expected: "UTF-8 text",
        found: `the bytes ${shown}`,
        hint: "convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`); archc does not guess encodings and never rewrites bytes it cannot read",
      }),
    };
  }
}
