import { resolve } from "node:path";
import { flag, opt, UsageError } from "../args.js";
import { checkWorkspace } from "../../compiler/pipeline.js";
import { formatVerify, type VerifyReport } from "../verify.js";
import { weightModeOpt } from "../checkpoint.js";
import { engines } from "../engines/index.js";
import { failWith, workspaceFor } from "./model-ref.js";
import type { ArchIR } from "../../compiler/ir/model.js";
import { parseBytes } from "../memory-budget.js";
import type { Command } from "./command.js";

export function verifyJson(r: VerifyReport): string {
  const tensors = Object.fromEntries(Object.entries(r.tensors).map(([k, t]) => [k, { maxAbsErr: Number.isFinite(t.maxAbsErr) ? t.maxAbsErr : null, atol: t.atol, pass: t.pass }]));
  return JSON.stringify({ case: r.case, ...(r.engine ? { engine: r.engine } : {}), weights: r.weights, tolerance: r.tolerance, pass: r.pass, tensors, ...(r.generate ? { generate: { pass: r.generate.pass, checked: r.generate.checked } } : {}) });
}

export const verify: Command = {
  summary: "run a conformance case and compare every expected tensor and the greedy generation",
  usage: `verify CASE_DIR [--arch FILE.arch] [--engine ${Object.keys(engines).join("|")}] [--weights auto|fp32|bf16|int8] [--max-memory SIZE] [--json]`,
  flags: [],
  options: ["arch", "engine", "weights", "max-memory"],
  maxPositional: 1,
  async run(args, io) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError("name a conformance case folder");
    const name = opt(args, "engine") ?? "archc";
    const engine = Object.hasOwn(engines, name) ? engines[name]! : undefined;
    if (!engine) throw new UsageError(`unknown engine "${name}": choose one of ${Object.keys(engines).join(", ")}`);
    // --arch: the case runs on that file's architecture (a new family, or a change to one),
    // chosen among its archs by the case's config.json as among the zoo's.
    const file = opt(args, "arch");
    const ws = workspaceFor(file ? [file] : []);
    let own: ArchIR[] | undefined;
    if (file) {
      own = [...ws.archs.values()].filter((a) => resolve(a.file) === resolve(file));
      const errors = [...ws.diagnostics, ...checkWorkspace(ws, [...new Set(own.map((a) => a.file))])].filter((d) => d.severity === "error");
      if (errors.length) failWith(ws, errors);
      if (own.length === 0) throw new UsageError(`${file} defines no architecture`);
    }
    const maxMemory = opt(args, "max-memory");
    const [r] = await engine.verifyCases(ws, [dir], { ...(own ? { archs: own } : {}), weights: weightModeOpt(args), ...(maxMemory === undefined ? {} : { maxMemory: parseBytes(maxMemory) }) });
    for (const w of r!.warnings) io.err(`warning: ${w}`);
    io.out(flag(args, "json") ? verifyJson(r!) : formatVerify(r!));
    return r!.pass ? 0 : 1;
  },
};
