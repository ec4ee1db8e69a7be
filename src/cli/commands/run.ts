import { generate, IntTensor, RuntimeIndexError, setThreads, type SamplingOptions } from "../../runtime/index.js";
import { UserError } from "../user-error.js";
import { decimalInt, decimalNumber, flag, intOpt, opt, UsageError, type ParsedArgs } from "../args.js";
import { threadCount } from "../threads.js";
import { parseBytes } from "../memory-budget.js";
import { MAX_NEW_TOKENS } from "../generation-limits.js";
import { TokenMeter } from "../token-meter.js";
import { loadCheckpoint, weightModeOpt } from "../checkpoint.js";
import { decoderStartOf } from "../generation-config.js";
import { workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";
import { runOrt } from "../ort/run.js";

/** Token ids in plain decimal (`0x10` or `1e2` are refused, not read as 16 and 100). */
function parseIds(s: string): number[] {
  const ids = s.split(",").map((x) => decimalInt(x.trim()));
  if (!ids.length || ids.some((x) => x === undefined || x > 0x7fffffff)) throw new UsageError(`--ids needs comma-separated token ids in decimal (e.g. 1,2,3), found ${JSON.stringify(s)}`);
  return ids as number[];
}



/** --temperature/--top-k/--top-p/--seed, validated: a typo must not fall back to greedy decoding. */
function samplingOptions(args: ParsedArgs): Required<SamplingOptions> {
  const num = (name: string, dflt: number, ok: (x: number) => boolean, what: string) => {
    const v = opt(args, name);
    if (v === undefined) return dflt;
    const x = decimalNumber(v);
    if (x === undefined || !ok(x)) throw new UsageError(`--${name} needs ${what}, found ${JSON.stringify(v)}`);
    return x;
  };
  return {
    temperature: num("temperature", 0, (x) => x >= 0, "a number >= 0 (0: greedy)"),
    topK: intOpt(args, "top-k", 0),
    topP: num("top-p", 1, (x) => x > 0 && x <= 1, "a number in (0, 1]"),
    seed: intOpt(args, "seed", 0, 0, 0xffffffff),
  };
}

/** config.json keys that bound the positions a model has a table for. */
const contextKeys = ["n_positions", "max_position_embeddings", "n_ctx", "seq_length"];

/**
 * An index error while generating past the model's context is about a position, not a
 * token id: said so, with the config key that sets the limit.
 */
function contextError(e: unknown, config: Record<string, unknown>, prompt: number, produced: number): unknown {
  if (!(e instanceof RuntimeIndexError)) return e;
  const key = contextKeys.find((k) => typeof config[k] === "number");
  const limit = key ? (config[key] as number) : undefined;
  if (limit === undefined || prompt + produced < limit) return e;
  return new UserError(
    "RuntimeIndexError",
    `generation stopped after ${produced} new token${produced === 1 ? "" : "s"} (printed): the next step needs position ${prompt + produced - 1}, past the model's ${limit} positions (0..${limit - 1}, ${key} in config.json)`,
  );
}

export const run: Command = {
  summary: "load a Hugging Face checkpoint folder and run it (forward, or --generate N tokens)",
  usage: "run CKPT_DIR [--ids 1,2,3] [--generate N] [--temperature T --top-k K --top-p P --seed S] [--threads N] [--engine ort] [--weights auto|fp32|bf16|int8] [--max-memory SIZE] [--json]",
  flags: [],
  options: ["ids", "generate", "temperature", "top-k", "top-p", "seed", "threads", "max-memory", "engine", "weights"],
  maxPositional: 1,
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a checkpoint folder (config.json + model.safetensors)");
    // Every option is checked before the (possibly long) load.
    // Compute threads, this one included (default: every core; never more than the cores).
    const threads = opt(args, "threads");
    if (threads !== undefined) setThreads(threadCount(threads, io.err));
    const n = intOpt(args, "generate", 0, 0, MAX_NEW_TOKENS);
    const sampling = samplingOptions(args);
    const ids = parseIds(opt(args, "ids") ?? "1");
    const engine = opt(args, "engine");
    if (engine !== undefined && engine !== "ort") throw new UsageError(`unknown --engine ${JSON.stringify(engine)}: expected ort (onnxruntime-node), or no --engine for the bundled runtime`);
    if (engine === "ort") {
      if (opt(args, "weights") !== undefined) throw new UsageError("--weights is the bundled runtime's; --engine ort runs the weights as stored");
      if (sampling.temperature > 0) throw new UsageError("--engine ort decodes greedily: leave out --temperature");
      return runOrt(workspaceFor([]), dir, ids, n, flag(args, "json"), io, opt(args, "threads") !== undefined ? intOpt(args, "threads", 1) : undefined);
    }
    const weights = weightModeOpt(args);
    const t0 = performance.now();
    const maxMemory = opt(args, "max-memory");
    const ck = await loadCheckpoint(workspaceFor([]), dir, undefined, { weights, ...(maxMemory === undefined ? {} : { maxMemory: parseBytes(maxMemory) }) });
    const loadMs = performance.now() - t0;
    for (const w of ck.warnings) io.err(`warning: ${w}`);
    const vocab = Number(ck.session.cfg.vocab ?? ck.config.vocab_size ?? 0);
    for (const id of ids) if (vocab && id >= vocab) throw new UsageError(`token id ${id} is outside the vocabulary (0..${vocab - 1})`);
    io.err(`${ck.arch.name} (${ck.root}), ${ck.session.parameterCount.toLocaleString("en-US")} parameters, weights ${weights}, loaded in ${(loadMs / 1000).toFixed(2)} s`);
    if (n > 0) {
      const json = flag(args, "json");
      const meter = new TokenMeter(n, json ? undefined : io.progress);
      const produced: number[] = [];
      let tokens: number[];
      try {
        tokens = generate(ck.session, ids, { maxNewTokens: n, ...sampling, ...decoderStartOf(ck.config), onToken: (id) => (produced.push(id), meter.token(id)) });
      } catch (e) {
        // What was generated before the failure is kept: printed, then the reason.
        meter.finish();
        if (produced.length) io.out(json ? JSON.stringify({ prompt: ids, tokens: produced, complete: false }) : produced.join(" "));
        throw contextError(e, ck.config, ids.length, produced.length);
      }
      const s = meter.finish();
      if (json) {
        io.out(JSON.stringify({ prompt: ids, tokens, seconds: s.seconds, prefill_seconds: s.prefillSeconds, tokens_per_second: s.tokensPerSecond, weights, temperature: sampling.temperature, top_k: sampling.topK, top_p: sampling.topP, seed: sampling.seed }));
      } else {
        io.out(tokens.join(" "));
        io.err(s.summary);
      }
      return 0;
    }
    // An encoder-decoder reads the ids as its context (encoder) input; its stream starts from the decoder start token.
    const asIds = (xs: number[]) => new IntTensor(Int32Array.from(xs), [1, xs.length]);
    const stream = ck.session.streamInput ?? "input_ids";
    const context = ck.session.contextInputs[0];
    const feed = context ? { [context]: asIds(ids), [stream]: asIds(decoderStartOf(ck.config).decoderStart ?? [0]) } : { [stream]: asIds(ids) };
    const { output } = ck.session.forward(feed);
    const v = output.shape[output.shape.length - 1]!;
    const last = output.data.subarray(output.data.length - v);
    const top = Array.from(last, (x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
    if (flag(args, "json")) io.out(JSON.stringify({ shape: output.shape, top: top.map(([x, i]) => ({ id: i, logit: x })) }));
    else io.out(`output [${output.shape.join(", ")}]; top tokens at the last position: ${top.map(([x, i]) => `${i} (${x.toFixed(4)})`).join(", ")}`);
    return 0;
  },
};
