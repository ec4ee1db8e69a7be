// Shared by commands that take a model: `FILE.arch[:PRESET]`, an arch or preset name, or
// `--preset NAME` searched across models/.
import { DiagnosticError, hasErrors, type Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace, modelFor } from "../../compiler/pipeline.js";
import type { ElaboratedModel } from "../../compiler/elaborate/instance.js";
import { loadWorkspace, resolveModelRef, type ModelRef, type Workspace } from "../../compiler/workspace.js";
import { opt, type ParsedArgs } from "../args.js";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { configValues, readJson } from "../checkpoint.js";

export function failWith(ws: Workspace, diags: Diagnostic[]): never {
  const e = new DiagnosticError(diags) as DiagnosticError & { sources?: Map<string, string> };
  e.sources = ws.sources;
  throw e;
}

/** The zoo and the files named (any extension: a named file is read as .arch source). */
export function workspaceFor(files: string[]): Workspace {
  return loadWorkspace(files);
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/**
 * The file a model reference names, if any: `FILE.arch`, `FILE.arch:PRESET`, or an existing
 * file of another extension (with or without `:PRESET`); an arch or preset name names none.
 */
export function fileOfSpec(spec: string): string | undefined {
  if (spec.endsWith(".arch") || isFile(spec)) return spec;
  const m = /^(.*):[^/\\:]+$/.exec(spec);
  if (m && (m[1]!.endsWith(".arch") || isFile(m[1]!))) return m[1]!;
  return undefined;
}

export function selectModel(args: ParsedArgs, spec = args.positional[0], preset = opt(args, "preset")): { ws: Workspace; ref: ModelRef } {
  return checkedRef(spec, preset);
}

function checkedRef(spec: string | undefined, preset: string | undefined): { ws: Workspace; ref: ModelRef } {
  const file = spec === undefined ? undefined : fileOfSpec(spec);
  const ws = workspaceFor(file ? [file] : []);
  const ref = resolveModelRef(ws, spec, preset);
  if ("code" in ref) failWith(ws, [...ws.diagnostics.filter((d) => d.severity === "error"), ref]);
  const diags = checkWorkspace(ws, [ref.arch.file]).filter((d) => d.severity === "error");
  if (hasErrors(diags)) failWith(ws, diags);
  return { ws, ref };
}

export function elaborated(ws: Workspace, ref: ModelRef, root?: string): ElaboratedModel {
  const m = modelFor(ref.arch, ref.preset, {}, root);
  const diags = [...m.config.diagnostics, ...m.diagnostics];
  if (hasErrors(diags)) failWith(ws, diags);
  return m;
}

/**
 * The model a command is about: `FILE.arch[:PRESET]`, an arch or preset name, `--preset NAME`,
 * or a Hugging Face `config.json` (or a checkpoint folder holding one), which builds the model
 * that config describes, as `archc run` would.
 */
export function selectElaborated(
  args: ParsedArgs,
  which: { spec: string | undefined; preset: string | undefined } = { spec: args.positional[0], preset: opt(args, "preset") },
): { ws: Workspace; model: ElaboratedModel; label: string } {
  const { spec, preset } = which;
  const config = spec ? configFile(spec) : undefined;
  if (config) {
    const ws = workspaceFor([]);
    const { arch, root, values } = configValues(ws, readJson(config, "config.json"), config);
    const model = modelFor(arch, undefined, values, opt(args, "root") ?? root);
    const diags = [...model.config.diagnostics, ...model.diagnostics];
    if (hasErrors(diags)) failWith(ws, diags);
    return { ws, model, label: spec! };
  }
  const { ws, ref } = checkedRef(spec, preset);
  return { ws, model: elaborated(ws, ref, opt(args, "root")), label: ref.preset ?? ref.arch.name };
}

/** The config.json a model argument names: the file itself, or the one in a checkpoint folder. */
function configFile(spec: string): string | undefined {
  if (!existsSync(spec)) return undefined;
  if (statSync(spec).isDirectory()) return existsSync(join(spec, "config.json")) ? join(spec, "config.json") : undefined;
  return spec.endsWith(".json") ? spec : undefined;
}
