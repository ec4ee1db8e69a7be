import { flag, opt, UsageError } from "../args.js";
import { parseBytes } from "../memory-budget.js";
import { formatVerify, verifyCase } from "../verify.js";
import { workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

export const verify: Command = {
  summary: "run a conformance case and compare every expected tensor and the greedy generation",
  usage: "verify CASE_DIR [--max-memory SIZE] [--json]",
  flags: [],
  options: ["max-memory"],
  maxPositional: 1,
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a conformance case folder");
    const maxMemory = opt(args, "max-memory");
    const r = await verifyCase(workspaceFor([]), dir, maxMemory === undefined ? undefined : parseBytes(maxMemory));
    for (const w of r.warnings) io.err(`warning: ${w}`);
    if (flag(args, "json")) {
      const tensors = Object.fromEntries(Object.entries(r.tensors).map(([k, t]) => [k, { maxAbsErr: Number.isFinite(t.maxAbsErr) ? t.maxAbsErr : null, atol: t.atol, pass: t.pass }]));
      io.out(JSON.stringify({ case: r.case, pass: r.pass, tensors, ...(r.generate ? { generate: { pass: r.generate.pass } } : {}) }));
    } else io.out(formatVerify(r));
    return r.pass ? 0 : 1;
  },
};
