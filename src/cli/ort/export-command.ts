// `archc export MODEL --onnx -o OUT`: MODEL is `FILE.arch[:preset]`, a preset name (random
// weights, seeded) or a checkpoint folder (its config.json and safetensors).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { configFor } from "../../compiler/pipeline.js";
import { rootBlockName } from "../../compiler/elaborate/instance.js";
import { buildOnnxGraph, writeOnnxExport } from "../../compiler/export/onnx/export.js";
import { mapSource, randomSource, readCheckpointDir } from "../../runtime/index.js";
import { flag, intOpt, opt, UsageError, type ParsedArgs } from "../args.js";
import { configValues, readJson } from "../checkpoint.js";
import { selectModel, workspaceFor } from "../commands/model-ref.js";
import type { Io } from "../io.js";

export async function exportOnnx(args: ParsedArgs, io: Io): Promise<number> {
  const spec = args.positional[0];
  const out = opt(args, "out");
  if (!out) throw new UsageError("name an output folder with -o OUT");
  const opts = { intermediates: flag(args, "intermediates") };
  let built;
  let from: string | undefined;
  if (spec && existsSync(spec) && statSync(spec).isDirectory()) {
    const ws = workspaceFor([]);
    const cfgPath = join(spec, "config.json");
    const { arch, root, values } = configValues(ws, readJson(cfgPath, "config.json"), cfgPath);
    const ck = readCheckpointDir(spec);
    for (const w of ck.warnings) io.err(`warning: ${w}`);
    built = buildOnnxGraph(configFor(arch, undefined, values), root, mapSource(ck.files.join(", "), ck.tensors), opts);
    from = spec;
  } else {
    const { ref } = selectModel(args);
    const config = configFor(ref.arch, ref.preset);
    const root = rootBlockName(ref.arch, ref.preset) ?? ref.arch.root?.block ?? "";
    const seed = intOpt(args, "seed", 0);
    built = buildOnnxGraph(config, root, randomSource(seed), opts);
    io.err(`${ref.arch.name}${ref.preset ? `:${ref.preset}` : ""}: random weights (seed ${seed}); export a checkpoint folder for real weights`);
  }
  const w = writeOnnxExport(built, out, from);
  const m = built.manifest;
  io.out(`wrote ${w.files.join(", ")} (${m.encoder ? "encoder + decoder graphs" : `${m.kind} graph`}, opset ${m.opset}, ${built.graph.nodes.length} nodes, ${(w.bytes / 1e6).toFixed(1)} MB)`);
  io.out(`inputs: ${m.inputs.join(", ")}`);
  io.out(`outputs: ${m.outputs.join(", ")}`);
  return 0;
}
