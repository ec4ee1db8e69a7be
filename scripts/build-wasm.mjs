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
 *
 * For quant.wat's int8 blocks (wat has no functions the engine would inline for sure):
 * (@q8dot P OFFSET X0 X1 X2 X3) is the 32 products of the int8 values at P + OFFSET with
 * the int16 values in the vectors X0..X3, as four 8-pair integer dot products summed into
 * an i32x4; (@isum4 A B C D T U) is [ΣA, ΣB, ΣC, ΣD] over i32x4 values (A..D are read twice
 * each: locals or globals; T and U are v128 locals it uses for its partial sums).
 * (@q8group P S A) is one block of a group of four int8 rows (P: their first values, S: their
 * four scales) against x's block in the locals $x0..$x3 (int16) and $scale (x's scale,
 * splatted), added to the global A; it uses the globals $r0..$r2 and the locals $e0..$e2, $d, $t, $u
 * (quant.wat's $dot4q8x16 says why rows pass through globals).
 */
function commonMacros(relaxed) {
  const load8 = (p, offset) => `(v128.load8x8_s${offset ? ` offset=${offset}` : ""} ${p})`;
  const madd = ([a, b, c]) => (relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);
  const q8dot = ([p, offset, ...x]) => {
    const dot = (k) => `(i32x4.dot_i16x8_s ${load8(p, Number(offset) + 8 * k)} ${x[k]})`;
    return `(i32x4.add (i32x4.add ${dot(0)} ${dot(1)}) (i32x4.add ${dot(2)} ${dot(3)}))`;
  };
  const xs = ["(local.get $x0)", "(local.get $x1)", "(local.get $x2)", "(local.get $x3)"];
  return {
    madd,
    q8dot,
    q8group: ([p, sw, acc]) => {
      const sum = isum4(["(local.get $e0)", "(local.get $e1)", "(local.get $e2)", "(local.get $d)", "$t", "$u"]);
      return [
        `(global.set $r0 ${q8dot([p, 0, ...xs])})`,
        `(global.set $r1 ${q8dot([p, 32, ...xs])})`,
        `(global.set $r2 ${q8dot([p, 64, ...xs])})`,
        `(local.set $d ${q8dot([p, 96, ...xs])})`,
        // Each global read once (V8 would load it again at every read).
        "(local.set $e0 (global.get $r0))",
        "(local.set $e1 (global.get $r1))",
        "(local.set $e2 (global.get $r2))",
        `(global.set ${acc} ${madd([`(f32x4.convert_i32x4_s ${sum})`, `(f32x4.mul (v128.load ${sw}) (local.get $scale))`, `(global.get ${acc})`])})`,
      ].join("\n");
    },
    isum4,
  };
}

/** (@isum4 A B C D T U), see commonMacros. */
function isum4([a, b, c, d, t, u]) {
  const lo = "0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23";
  const hi = "8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31";
  // t = [a0+a2, b0+b2, a1+a3, b1+b3], u the same for c, d; then their halves added.
  const pair = (v, w) => `(i32x4.add (i8x16.shuffle ${lo} ${v} ${w}) (i8x16.shuffle ${hi} ${v} ${w}))`;
  return `(i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.tee ${t} ${pair(a, b)}) (local.tee ${u} ${pair(c, d)})) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get ${t}) (local.get ${u})))`;
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
