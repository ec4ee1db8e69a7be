// Shared by commands that take a model: `FILE.arch[:PRESET]`, an arch or preset name, or
// `--preset NAME` searched across models/.
import { DiagnosticError, hasErrors, type Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { checkWorkspace, modelFor } from "../../compiler/pipeline.js";
import type { ElaboratedModel } from "../../compiler/elaborate/instance.js";
import { loadWorkspace, resolveModelRef, type ModelRef, type Workspace } from "../../compiler/workspace.js";
import { opt, type ParsedArgs } from "../args.js";

export function failWith(ws: Workspace, diags: Diagnostic[]): never {
  const e = new DiagnosticError(diags) as DiagnosticError & { sources?: Map<string, string> };
  e.sources = ws.sources;
  throw e;
}

export function workspaceFor(files: string[]): Workspace {
  const ws = loadWorkspace(files.filter((f) => f.endsWith(".arch")));
  return ws;
}

export function selectModel(args: ParsedArgs, spec = args.positional[0], preset = opt(args, "preset")): { ws: Workspace; ref: ModelRef } {
  const ws = workspaceFor(spec ? [spec.replace(/:[^/\\]*$/, (m) => (spec.endsWith(".arch") ? m : ""))].filter((s) => s.endsWith(".arch")) : []);
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
