import { generate, IntTensor } from "../../runtime/index.js";
import { flag, intOpt, opt, UsageError } from "../args.js";
import { loadCheckpoint } from "../checkpoint.js";
import { decoderStartOf } from "../generation-config.js";
import { workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

function parseIds(s: string): number[] {
  const ids = s.split(",").map((x) => x.trim()).filter(Boolean).map(Number);
  if (!ids.length || ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--ids needs comma-separated token ids, found ${JSON.stringify(s)}`);
  return ids;
}

export const run: Command = {
  summary: "load a Hugging Face checkpoint folder and run it (forward, or --generate N tokens)",
  usage: "run CKPT_DIR [--ids 1,2,3] [--generate N] [--temperature T --top-k K --top-p P --seed S] [--json]",
  flags: [],
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a checkpoint folder (config.json + model.safetensors)");
    const t0 = performance.now();
    const ck = await loadCheckpoint(workspaceFor([]), dir);
    const loadMs = performance.now() - t0;
    for (const w of ck.warnings) io.err(`warning: ${w}`);
    const vocab = Number(ck.session.cfg.vocab ?? ck.config.vocab_size ?? 0);
    const ids = parseIds(opt(args, "ids") ?? "1");
    for (const id of ids) if (vocab && id >= vocab) throw new UsageError(`token id ${id} is outside the vocabulary (0..${vocab - 1})`);
    const n = intOpt(args, "generate", 0);
    io.err(`${ck.arch.name} (${ck.root}), ${ck.session.parameterCount.toLocaleString("en-US")} parameters, loaded in ${(loadMs / 1000).toFixed(2)} s`);
    if (n > 0) {
      const temperature = Number(opt(args, "temperature") ?? 0);
      const topK = intOpt(args, "top-k", 0);
      const topP = Number(opt(args, "top-p") ?? 1);
      const seed = intOpt(args, "seed", 0);
      const start = performance.now();
      let first = 0;
      const tokens = generate(ck.session, ids, {
        maxNewTokens: n,
        temperature,
        topK,
        topP,
        seed,
        ...decoderStartOf(ck.config),
        onToken: (id, step) => {
          if (step === 0) first = performance.now();
          const elapsed = (performance.now() - first) / 1000;
          const rate = step > 0 && elapsed > 0 ? `${(step / elapsed).toFixed(1)} tok/s` : "prefill";
          if (!flag(args, "json")) process.stderr.write(`\rtoken ${step + 1}/${n}: ${id}  [${rate}]   `);
        },
      });
      const total = (performance.now() - start) / 1000;
      if (!flag(args, "json")) process.stderr.write("\n");
      if (flag(args, "json")) io.out(JSON.stringify({ prompt: ids, tokens, seconds: total }));
      else io.out(`${tokens.join(" ")}\n(${n} tokens in ${total.toFixed(2)} s)`);
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
