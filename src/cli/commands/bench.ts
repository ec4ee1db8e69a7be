// `archc bench CKPT_DIR`: the benchmark protocol of shared/bench/README.md. This process
// compiles the model; a fresh Node process (bench-child.ts) loads the weights and measures,
// once per thread count, so its peak RSS counts the model and not the TypeScript compiler.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { generateModule } from "../../compiler/codegen/module.js";
import { flag, intOpt, opt, UsageError } from "../args.js";
import { configValues, readJson, weightModeOpt } from "../checkpoint.js";
import { PROTOCOL, peakRssMb, type BenchSettings } from "../bench-protocol.js";
import type { ChildJob } from "../bench-child.js";
import { workspaceFor } from "./model-ref.js";
import { prepareReference, referenceFields, runProbe, runReference } from "../bench-reference.js";
import { getThreads } from "../../runtime/index.js";
import { threadCounts } from "../threads.js";
import { checkMemory, parseBytes } from "../memory-budget.js";
import { UserError } from "../user-error.js";
import type { Command } from "./command.js";
import { benchOrt } from "../ort/bench.js";

/** node [loader] bench-child: the compiled .js next to this file, or the .ts under tsx when running from source. */
function childCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith(".ts");
  const entry = join(dirname(here), "..", fromSource ? "bench-child.ts" : "bench-child.js");
  if (!fromSource) return [entry];
  const loader = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(loader).href, entry];
}

function runChild(job: ChildJob): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // ARCHC_BENCH_NODE_ARGS (e.g. "--cpu-prof") reaches the measuring process only: for profiling.
    const nodeArgs = (process.env.ARCHC_BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, ...childCommand(), JSON.stringify(job)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = out.trim().split("\n");
      const line = lines.pop() ?? "";
      // Anything else the process printed (e.g. --trace-gc through ARCHC_BENCH_NODE_ARGS) is not lost.
      if (lines.length) process.stderr.write(`${lines.join("\n")}\n`);
      const result = line.startsWith("{") ? (JSON.parse(line) as Record<string, unknown>) : undefined;
      if (result && typeof result.error === "string") {
        const message = String(result.message);
        if (result.user) reject(new UserError(result.error, message));
        else reject(new Error(`the benchmark process failed: ${message}${result.stack ? `\n${String(result.stack)}` : ""}`));
      } else if (code !== 0 || !result) reject(new Error(`the benchmark process failed (exit code ${code})`));
      else resolve(result);
    });
  });
}

export const bench: Command = {
  summary: "benchmark a checkpoint by the protocol of shared/bench/README.md (prefill 128, decode 128, median of 3)",
  usage: "bench CKPT_DIR [--threads N[,N…]] [--engine ort [--reference-onnx GRAPH]] [--weights auto|fp32|bf16|int8] [--reference scripts/bench-reference] [--max-memory SIZE] [--json]",
  flags: [],
  options: ["prompt-len", "steps", "rounds", "threads", "max-memory", "engine", "weights", "reference", "reference-onnx"],
  maxPositional: 1,
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a checkpoint folder (config.json + model.safetensors)");
    // Shrinking the protocol is for tests; the defaults are the protocol's.
    const settings: BenchSettings = {
      promptLength: intOpt(args, "prompt-len", PROTOCOL.promptLength, 1, 1_000_000),
      steps: intOpt(args, "steps", PROTOCOL.steps, 0, 1_000_000),
      rounds: intOpt(args, "rounds", PROTOCOL.rounds, 1, 1000),
      warmupSteps: PROTOCOL.warmupSteps,
    };
    const spec = opt(args, "threads");
    const threads = spec === undefined ? [getThreads()] : threadCounts(spec, io.err);
    const engine = opt(args, "engine");
    if (engine !== undefined && engine !== "ort") throw new UsageError(`unknown --engine ${JSON.stringify(engine)}: expected ort (onnxruntime-node), or no --engine for the bundled runtime`);
    if (engine === "ort") {
      if (opt(args, "weights") !== undefined || opt(args, "reference") !== undefined) throw new UsageError("--weights and --reference go with the bundled runtime, not --engine ort");
      const referenceOnnx = opt(args, "reference-onnx");
      for (const n of threads) {
        const r = await benchOrt(workspaceFor([]), dir, n, settings, referenceOnnx);
        if (flag(args, "json")) io.out(JSON.stringify(r));
        else {
          io.out(`${r.model} (ort, ${n} thread${n === 1 ? "" : "s"}): prefill ${r.prefill_tok_s_median} tok/s, decode ${r.decode_tok_s_median} tok/s, peak RSS ${r.peak_rss_mb} MB, load ${r.load_s} s`);
          const ref = r.reference as { prefill_tok_s_median: number; decode_tok_s_median: number } | undefined;
          if (ref)
            io.out(
              `  reference graph (same process, interleaved): prefill ${ref.prefill_tok_s_median} tok/s, decode ${ref.decode_tok_s_median} tok/s; ` +
                `archc / reference: prefill ${r.prefill_ratio_vs_reference}, decode ${r.decode_ratio_vs_reference}`,
            );
        }
      }
      return 0;
    }
    if (opt(args, "reference-onnx") !== undefined) throw new UsageError("--reference-onnx goes with --engine ort");
    const weights = weightModeOpt(args);
    const referencePath = opt(args, "reference");
    const cfgPath = join(dir, "config.json");
    const { arch, root, values } = configValues(workspaceFor([]), readJson(cfgPath, "config.json"), cfgPath);
    const maxMemory = opt(args, "max-memory");
    checkMemory(arch, root, values, cfgPath, maxMemory === undefined ? undefined : parseBytes(maxMemory));
    const generated = await generateModule(arch);
    const js = ts.transpileModule(generated.text, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
    }).outputText;
    const tmp = mkdtempSync(join(tmpdir(), "archc-bench-"));
    const moduleFile = join(tmp, `${basename(generated.fileName, ".ts")}.cjs`);
    writeFileSync(moduleFile, js);
    const compilerRss = Math.round(peakRssMb() * 100) / 100;
    try {
      // The C reference and the bandwidth probe, built once, run right after the runtime at
      // each thread count: every ratio is between figures taken minutes apart at most.
      const tools = referencePath !== undefined ? prepareReference(referencePath, dir, tmp) : undefined;
      for (const n of threads) {
        const result = await runChild({ moduleFile, dir, root, values: values as Record<string, unknown>, threads: n, settings, weights });
        result.compiler_rss_mb = compilerRss;
        if (tools) Object.assign(result, referenceFields(result, runReference(tools, n), runReference(tools, n, "small"), runProbe(tools, n)));
        if (flag(args, "json")) io.out(JSON.stringify(result));
        else {
          const fmt = (xs: unknown) => (xs as number[]).map((x) => x.toFixed(1)).join(", ");
          io.out(
            `${result.model} (${n} thread${n === 1 ? "" : "s"}, ${result.kernels} kernels, weights ${result.weights}): ` +
              `prefill ${Number(result.prefill_tok_s_median).toFixed(1)} tok/s [${fmt(result.prefill_tok_s)}], ` +
              `decode ${Number(result.decode_tok_s_median).toFixed(1)} tok/s [${fmt(result.decode_tok_s)}], ` +
              `peak RSS ${Number(result.peak_rss_mb).toFixed(1)} MB (weights ${Number(result.weight_mb).toFixed(1)} MB), load ${result.load_s} s`,
          );
          if (tools) {
            const ref = result.reference as { decode_tok_s: number[]; decode_tok_s_median: number };
            const small = result.reference_4k_pages as { decode_tok_s: number[]; decode_tok_s_median: number };
            io.out(
              `  C reference (float32, ${n} thread${n === 1 ? "" : "s"}): decode ${ref.decode_tok_s_median.toFixed(1)} tok/s [${fmt(ref.decode_tok_s)}]; ` +
                `archc / C = ${Number(result.decode_ratio_vs_reference).toFixed(2)}; ` +
                `with its weights on 4 KiB pages ${small.decode_tok_s_median.toFixed(1)} tok/s [${fmt(small.decode_tok_s)}], archc / C = ${Number(result.decode_ratio_vs_reference_4k_pages).toFixed(2)}; read bandwidth ${Number(result.read_bandwidth_gb_s_median).toFixed(1)} GB/s on 2 MiB pages ` +
                `-> bound ${Number(result.decode_bandwidth_bound_tok_s).toFixed(1)} tok/s for ${(Number(result.decode_bytes_per_token) / 1e6).toFixed(0)} MB a token, archc at ${(100 * Number(result.decode_fraction_of_bandwidth_bound)).toFixed(0)}% of it ` +
                `(4 KiB pages, as in the wasm heap: ${Number(result.read_bandwidth_4k_pages_gb_s_median).toFixed(1)} GB/s, archc at ${(100 * Number(result.decode_fraction_of_4k_pages_bound)).toFixed(0)}%)`,
            );
          }
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return 0;
  },
};
