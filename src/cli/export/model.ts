// What `archc export` exports: FILE.arch[:preset], a preset name, or a checkpoint folder
// (config.json picks the architecture, root and hyperparameters as `archc run` does).
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ArchIR, Value } from "../../compiler/ir/model.js";
import { configValues, readJson } from "../checkpoint.js";
import { selectModel, workspaceFor } from "../commands/model-ref.js";
import type { ParsedArgs } from "../args.js";

export interface ExportedModel {
  arch: ArchIR;
  preset?: string;
  values?: Record<string, Value>;
  root?: string;
}

export function exportedModel(args: ParsedArgs, spec: string): ExportedModel {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const ws = workspaceFor([]);
    const cfgPath = join(spec, "config.json");
    const { arch, root, values } = configValues(ws, readJson(cfgPath, "config.json"), cfgPath);
    return { arch, root, values };
  }
  const { ref } = selectModel(args, spec);
  return { arch: ref.arch, ...(ref.preset ? { preset: ref.preset } : {}) };
}
