import { computeStats, DEFAULT_FLOPS_CONTEXT, formatCount } from "../../compiler/stats/stats.js";
import { flag, intOpt, UsageError } from "../args.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const stats: Command = {
  summary: "parameter count (total and per module), FLOPs and KV-cache bytes per token",
  usage: `stats [FILE.arch[:PRESET] | config.json | CKPT_DIR] [--preset NAME] [--context N (FLOPs of the token at position N, default ${DEFAULT_FLOPS_CONTEXT})] [--json]`,
  flags: [],
  async run(args, io) {
    const context = intOpt(args, "context", DEFAULT_FLOPS_CONTEXT);
    if (context < 1) throw new UsageError("--context needs a position of at least 1");
    const s = computeStats(selectElaborated(args).model, { context });
    if (flag(args, "json")) {
      io.out(JSON.stringify(s, null, 2));
      return 0;
    }
    io.out(`${s.model}${s.preset ? ` (${s.preset})` : ""}`);
    io.out(`  parameters          ${s.params.toLocaleString("en-US")} (${formatCount(s.params)})`);
    io.out(`  non-embedding       ${s.nonEmbeddingParams.toLocaleString("en-US")}`);
    io.out(`  FLOPs per token     ${formatCount(s.flopsPerToken)} (at context ${s.context})`);
    io.out(`  KV cache per token  ${s.kvCacheBytesPerToken.toLocaleString("en-US")} bytes (float32)`);
    io.out("  modules:");
    for (const m of s.modules) io.out(`    ${m.path.padEnd(40)} ${m.className.padEnd(28)} ${formatCount(m.params)}`);
    return 0;
  },
};
