// `archc bench --reference PATH`: the C reference decoder (PATH: scripts/bench-reference, or
// its c-decode.c) and a read-bandwidth probe (bandwidth.c next to it), built with gcc and run
// on the same model at the same thread counts, interleaved with the runtime's own
// measurement, so every figure comes with a same-run ratio. Measurement tooling: the C
// programs are compiled into a temporary folder and never become part of the product.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "./args.js";
import { median } from "./bench-protocol.js";

export interface ReferenceTools {
  decoder: string;
  probe: string;
  /** The model flattened for the decoder (flatten.mjs). */
  flat: string;
}

export interface ReferenceRun {
  decode_tok_s: number[];
  prompt_one_by_one_tok_s: number[];
}

/** --reference cannot be honoured: a command-line error (exit 2) saying what is missing. */
function fail(message: string, hint?: string): never {
  throw new UsageError(hint ? `${message} (${hint})` : message);
}

/** The folder holding c-decode.c, bandwidth.c, the headers they include, and flatten.mjs. */
function sourceDir(path: string): string {
  const dir = existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
  for (const f of ["c-decode.c", "bandwidth.c", "c-matvec.h", "anon-pages.h", "flatten.mjs"]) {
    if (!existsSync(join(dir, f))) fail(`--reference ${path}: no ${f} in ${dir}`, "name scripts/bench-reference (or its c-decode.c)");
  }
  return dir;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 20 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT") fail(`--reference needs ${cmd}, which is not installed`, cmd === "gcc" ? "install gcc (Debian: apt-get install gcc)" : undefined);
    fail(`${cmd} ${args.join(" ")} failed: ${(err.stderr ?? err.message).trim().split("\n").slice(-3).join(" / ")}`);
  }
}

/** Builds both C programs (gcc -Ofast -march=native -fopenmp) and flattens the model, into `tmp`. */
export function prepareReference(path: string, modelDir: string, tmp: string): ReferenceTools {
  const dir = sourceDir(path);
  const tools = { decoder: join(tmp, "c-decode"), probe: join(tmp, "bandwidth"), flat: join(tmp, "model.bin") };
  run("gcc", ["-Ofast", "-march=native", "-fopenmp", join(dir, "c-decode.c"), "-o", tools.decoder, "-lm"]);
  run("gcc", ["-Ofast", "-march=native", "-fopenmp", join(dir, "bandwidth.c"), "-o", tools.probe]);
  try {
    execFileSync(process.execPath, [join(dir, "flatten.mjs"), modelDir, tools.flat], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const msg = String((e as { stderr?: Buffer }).stderr ?? e).split("\n").find((l) => l.startsWith("Error")) ?? "it failed";
    fail(`${modelDir}: the C reference decodes Llama bench models (float32, shared/bench/README.md) only: ${msg}`);
  }
  return tools;
}

function lastJson(out: string, what: string): Record<string, unknown> {
  const line = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    fail(`${what} printed ${JSON.stringify(line.slice(0, 80))}, not a JSON line`);
  }
}

const ompEnv = (threads: number): NodeJS.ProcessEnv => ({ ...process.env, OMP_NUM_THREADS: String(threads), OMP_PROC_BIND: "false" });

/**
 * Where the C decoder's weights live: `file`, memory-mapped from the flattened file as
 * llama2.c does (the page cache maps much of it with 2 MiB pages), or `small`, copied into
 * anonymous memory on 4 KiB pages, the page size a wasm heap gets (c-decode.c's C_DECODE_PAGES).
 */
export type ReferencePages = "file" | "small";

/** The C decoder at `threads` threads: warm-up round, then 3 rounds of the protocol (prompt fed one token at a time). */
export function runReference(tools: ReferenceTools, threads: number, pages: ReferencePages = "file"): ReferenceRun {
  const j = lastJson(run(tools.decoder, [tools.flat], { ...ompEnv(threads), C_DECODE_PAGES: pages }), "the C reference");
  return { decode_tok_s: j.decode_tok_s as number[], prompt_one_by_one_tok_s: j.prompt_one_by_one_tok_s as number[] };
}

/** Read bandwidth in GB/s at `threads` threads, 5 passes over 400 MB, on 2 MiB pages and on 4 KiB pages (bandwidth.c). */
export interface Bandwidth {
  /** The machine's read bound (2 MiB pages). */
  huge: number[];
  /** What memory on 4 KiB pages streams at: the wasm heap's page size. */
  small: number[];
}

export function runProbe(tools: ReferenceTools, threads: number): Bandwidth {
  const j = lastJson(run(tools.probe, [], ompEnv(threads)), "the bandwidth probe");
  return { huge: j.read_gb_s as number[], small: j.read_gb_s_4k_pages as number[] };
}

/**
 * The extra fields of a bench line measured with --reference: the C decoder as shipped
 * (`ref`), the same decoder with its weights on 4 KiB pages (`refSmall`: the like-for-like
 * comparison, since nothing in Node can give the wasm heap huge pages), and the bandwidth probe.
 */
export function referenceFields(archc: Record<string, unknown>, ref: ReferenceRun, refSmall: ReferenceRun, bandwidth: Bandwidth): Record<string, unknown> {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const refDecode = median(ref.decode_tok_s);
  const refSmallDecode = median(refSmall.decode_tok_s);
  const ours = Number(archc.decode_tok_s_median);
  const bytes = Number(archc.decode_bytes_per_token);
  const gbs = median(bandwidth.huge);
  const gbsSmall = median(bandwidth.small);
  // Tokens per second if every byte a step reads streamed at the measured bandwidth.
  const bound = (gbs * 1e9) / bytes;
  const boundSmall = (gbsSmall * 1e9) / bytes;
  return {
    reference: { impl: "c-decode (scripts/bench-reference, float32)", decode_tok_s: ref.decode_tok_s, decode_tok_s_median: refDecode, prompt_one_by_one_tok_s: ref.prompt_one_by_one_tok_s },
    decode_ratio_vs_reference: round(ours / refDecode),
    reference_4k_pages: { decode_tok_s: refSmall.decode_tok_s, decode_tok_s_median: refSmallDecode },
    decode_ratio_vs_reference_4k_pages: round(ours / refSmallDecode),
    read_bandwidth_gb_s: bandwidth.huge,
    read_bandwidth_gb_s_median: gbs,
    decode_bandwidth_bound_tok_s: round(bound),
    decode_fraction_of_bandwidth_bound: round(ours / bound),
    // The bound for memory on 4 KiB pages, which is all a wasm heap gets (no huge pages from Node).
    read_bandwidth_4k_pages_gb_s: bandwidth.small,
    read_bandwidth_4k_pages_gb_s_median: gbsSmall,
    decode_bandwidth_4k_pages_bound_tok_s: round(boundSmall),
    decode_fraction_of_4k_pages_bound: round(ours / boundSmall),
  };
}
