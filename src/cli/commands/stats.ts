import { computeStats, DEFAULT_FLOPS_CONTEXT, formatCount, jsonCount } from "../../compiler/stats/stats.js";
import { flag, intOpt, UsageError } from "../args.js";
import { selectElaborated } from "./model-ref.js";
import type { Command } from "./command.js";

export const stats: Command = {
  summary: "parameter count (total and per module), FLOPs and KV-cache bytes per token",
  usage: `stats [FILE.arch[:PRESET] | config.json | CKPT_DIR] [--preset NAME] [--context N (FLOPs of the token at position N, default ${DEFAULT_FLOPS_CONTEXT})] [--json]`,
  flags: [],
  options: ["preset", "root", "context"],
  maxPositional: 1,
  async run(args, io) {
    const context = intOpt(args, "context", DEFAULT_FLOPS_CONTEXT);
    if (context < 1) throw new UsageError("--context needs a position of at least 1");
    const s = computeStats(selectElaborated(args).model, { context });
    if (flag(args, "json")) {
      // Counts exactly: numbers while below 2^53, decimal strings beyond (docs/reliability.md).
      const { exact, modules, ...rest } = s;
      const json = {
        ...rest,
        params: jsonCount(exact.params),
        nonEmbeddingParams: jsonCount(exact.nonEmbeddingParams),
        flopsPerToken: jsonCount(exact.flopsPerToken),
        kvCacheBytesPerToken: jsonCount(exact.kvCacheBytesPerToken),
        modules: modules.map(({ exactParams, ...m }) => ({ ...m, params: jsonCount(exactParams) })),
      };
      io.out(JSON.stringify(json, null, 2));
      return 0;
    }
    io.out(`${s.model}${s.preset ? ` (${s.preset})` : ""}`);
    io.out(`  parameters          ${s.exact.params.toLocaleString("en-US")} (${formatCount(s.params)})`);
    io.out(`  non-embedding       ${s.exact.nonEmbeddingParams.toLocaleString("en-US")}`);
    io.out(`  FLOPs per token     ${s.exact.flopsPerToken.toLocaleString("en-US")} (${formatCount(s.flopsPerToken)}, at context ${s.context})`);
    io.out(`  KV cache per token  ${s.exact.kvCacheBytesPerToken.toLocaleString("en-US")} bytes (float32)`);
    io.out("  modules:");
    for (const m of s.modules) io.out(`    ${m.path.padEnd(40)} ${m.className.padEnd(28)} ${formatCount(m.params)}`);
    return 0;
  },
};
