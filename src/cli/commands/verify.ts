import { resolve } from "node:path";
import { flag, opt, UsageError } from "../args.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { formatVerify, verifyCase } from "../verify.js";
import { failWith, workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

export const verify: Command = {
  summary: "run a conformance case and compare every expected tensor and the greedy generation",
  usage: "verify CASE_DIR [--arch FILE.arch] [--json]",
  flags: [],
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a conformance case folder");
    // --arch: the case runs on that file's architecture (a new family, or a change to one),
    // chosen among its archs by the case's config.json as among the zoo's.
    const file = opt(args, "arch");
    const ws = workspaceFor(file ? [file] : []);
    if (file) {
      const own = [...ws.archs.values()].filter((a) => resolve(a.file) === resolve(file));
      const errors = [...ws.diagnostics, ...checkWorkspace(ws, [...new Set(own.map((a) => a.file))])].filter((d) => d.severity === "error");
      if (errors.length) failWith(ws, errors);
      if (own.length === 0) throw new UsageError(`${file} defines no architecture`);
    }
    const r = await verifyCase(ws, dir, file ? [...ws.archs.values()].filter((a) => resolve(a.file) === resolve(file)) : undefined);
    for (const w of r.warnings) io.err(`warning: ${w}`);
    if (flag(args, "json")) {
      const tensors = Object.fromEntries(Object.entries(r.tensors).map(([k, t]) => [k, { maxAbsErr: Number.isFinite(t.maxAbsErr) ? t.maxAbsErr : null, atol: t.atol, pass: t.pass }]));
      io.out(JSON.stringify({ case: r.case, pass: r.pass, tensors, ...(r.generate ? { generate: { pass: r.generate.pass } } : {}) }));
    } else io.out(formatVerify(r));
    return r.pass ? 0 : 1;
  },
};
