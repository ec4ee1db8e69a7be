// Assembles the WebAssembly kernels (src/runtime/kernels/*.wat) into dist/wasm/*.wasm with
// the wabt package, so the binaries are always built from the source in the repo. Run by
// `npm run build` (and so by `npm install` through `prepare`). The runtime falls back to
// its TypeScript kernels when the binaries are missing.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const KERNEL_SOURCE_DIR = join(root, "src", "runtime", "kernels");
export const KERNEL_OUT_DIR = join(root, "dist", "wasm");

/** Fixed-width SIMD, shared memory and memory.fill: nothing beyond what Node 20 runs by default. */
const FEATURES = { simd: true, threads: true, bulk_memory: true, relaxed_simd: false };

/**
 * How a weight is stored, for the templates (`(;include linear-tiles.wat.part bf16;)`):
 * plain words (@T …) and macros ((@wload …)) filled in per variant. bfloat16 is the top
 * half of a float32, so widening is a zero-extending load and a 16-bit shift: exact.
 */
const WEIGHT_VARIANTS = {
  f32: {
    words: { T: "", wv1: "16", wv2: "32", wv3: "48", wv4: "64", wshift: "2", kw: "(local.get $k)" },
    wload: (offset, p) => `(v128.load${offset} ${p})`,
    wload1: (p) => `(f32.load ${p})`,
  },
  bf16: {
    words: { T: "_bf16", wv1: "8", wv2: "16", wv3: "24", wv4: "32", wshift: "1", kw: "(i32.shr_u (local.get $k) (i32.const 1))" },
    wload: (offset, p) => `(i32x4.shl (v128.load16x4_u${offset} ${p}) (i32.const 16))`,
    wload1: (p) => `(f32.reinterpret_i32 (i32.shl (i32.load16_u ${p}) (i32.const 16)))`,
  },
};

/** Index of the parenthesis closing the one at `open`. */
function closing(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  throw new Error(`unbalanced parenthesis at offset ${open}`);
}

/** The top-level items of a macro's argument text: parenthesised forms and bare words. */
function macroArgs(text) {
  const args = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) i++;
    else if (text[i] === "(") {
      const end = closing(text, i);
      args.push(text.slice(i, end + 1));
      i = end + 1;
    } else {
      const m = /^[^\s()]+/.exec(text.slice(i));
      args.push(m[0]);
      i += m[0].length;
    }
  }
  return args;
}

/** Expands every (@name args…) form, innermost first, with `macros[name](args)`. */
function expandMacros(text, macros) {
  let out = "";
  let i = 0;
  for (;;) {
    const j = text.indexOf("(@", i);
    if (j < 0) return out + text.slice(i);
    const end = closing(text, j);
    const [, name, rest] = /^\(@(\w+)([\s\S]*)\)$/.exec(text.slice(j, end + 1));
    const f = macros[name];
    if (!f) throw new Error(`unknown macro @${name}`);
    out += text.slice(i, j) + f(macroArgs(expandMacros(rest, macros)));
    i = end + 1;
  }
}

/**
 * The macros every kernel may use. (@madd a b c) is a·b + c: two roundings with plain SIMD
 * (an add of a product, operands in the order the hand-written kernels had), one with
 * relaxed SIMD's fused multiply-add where the engine has it.
 */
function commonMacros(relaxed) {
  return {
    madd: ([a, b, c]) => (relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`),
  };
}

/** A template part filled in for one weight storage. */
function instantiate(text, variantName, relaxed) {
  const v = WEIGHT_VARIANTS[variantName];
  if (!v) throw new Error(`unknown weight variant ${variantName}`);
  const words = text.replace(/(?<!\()@(\w+)\b/g, (whole, w) => (w in v.words ? v.words[w] : whole));
  return expandMacros(words, {
    ...commonMacros(relaxed),
    wload: (args) => (args.length === 2 ? v.wload(` ${args[0]}`, args[1]) : v.wload("", args[0])),
    wload1: ([p]) => v.wload1(p),
  });
}

/** A .wat source with its parts spliced in, comments dropped and macros expanded. */
export function expandSource(srcDir, file, relaxed = false) {
  const strip = (t) => t.replace(/;;[^\n]*/g, "");
  // (;include NAME [VARIANT];) splices in a shared part (e.g. exp4.wat.part), filled in for
  // a weight storage when a variant is named: wat has no includes or generics.
  const text = strip(readFileSync(join(srcDir, file), "utf8")).replace(/\(;include ([\w.-]+)(?: (\w+))?;\)/g, (_, part, variant) => {
    const body = strip(readFileSync(join(srcDir, part), "utf8"));
    return variant ? instantiate(body, variant, relaxed) : body;
  });
  return expandMacros(text, commonMacros(relaxed));
}

/**
 * Every .wat file in `srcDir` assembled to bytes, by base name. `relaxed` builds the variant
 * with relaxed-SIMD fused multiply-adds (validated by the running engine, which needs
 * --experimental-wasm-relaxed-simd on Node 20).
 */
export async function assembleKernels(srcDir = KERNEL_SOURCE_DIR, { relaxed = false } = {}) {
  const { default: init } = await import("wabt");
  const wabt = await init();
  const out = {};
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".wat")).sort()) {
    const mod = wabt.parseWat(file, expandSource(srcDir, file, relaxed), { ...FEATURES, relaxed_simd: relaxed });
    try {
      const bytes = mod.toBinary({}).buffer;
      // wabt's validator ignores the feature flags (it rejects shared memory), so let the
      // engine that will run the kernels validate them (when it can: a relaxed build is
      // checked by the engine that loads it).
      if (!relaxed) new WebAssembly.Module(bytes);
      out[basename(file, ".wat")] = bytes;
    } finally {
      mod.destroy();
    }
  }
  return out;
}

/** The plain-SIMD kernels into outDir, the relaxed-SIMD ones into outDir/relaxed (the runtime picks one set). */
export async function buildKernels(outDir = KERNEL_OUT_DIR) {
  for (const [dir, relaxed] of [[outDir, false], [join(outDir, RELAXED_SUBDIR), true]]) {
    const built = await assembleKernels(undefined, { relaxed });
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(built)) writeFileSync(join(dir, `${name}.wasm`), bytes);
  }
  return readdirSync(outDir).filter((f) => f.endsWith(".wasm"));
}

/** Where the relaxed-SIMD build goes, under the kernels' folder (kernel-modules.ts looks there). */
export const RELAXED_SUBDIR = "relaxed";

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = await buildKernels();
  process.stdout.write(`wasm kernels: ${names.join(", ")} -> ${KERNEL_OUT_DIR} (relaxed SIMD: ${join(KERNEL_OUT_DIR, RELAXED_SUBDIR)})\n`);
}
