// One-line checker tests: run .arch text through the same pipeline as `archc check` and
// assert on its diagnostics (Langium's expectError / expectNoIssues).
import { resolve } from "node:path";
import { expect } from "vitest";
import type { DiagnosticCode } from "../../src/compiler/diagnostics/catalogue.js";
import type { Diagnostic } from "../../src/compiler/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../src/compiler/diagnostics/render.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { displayPath, loadWorkspace } from "../../src/compiler/workspace.js";

export interface Diagnosed {
  diagnostics: Diagnostic[];
  text: string; // rendered as `archc check` prints them
}

/**
 * Diagnostics of one file (its text read from disk unless given). The zoo is loaded only
 * when asked (for `extends Llama`): parsing it costs time, and its state is others' work.
 */
export function diagnoseFile(path: string, options: { text?: string; zoo?: boolean } = {}): Diagnosed {
  const abs = resolve(path);
  const ws = loadWorkspace([abs], { includeZoo: options.zoo ?? false, ...(options.text !== undefined ? { texts: new Map([[abs, options.text]]) } : {}) });
  const file = displayPath(abs);
  const diagnostics = checkWorkspace(ws, [file]).filter((d) => !d.span || d.span.file === file);
  return { diagnostics, text: diagnostics.length ? `${renderDiagnostics(diagnostics, ws.sources)}\n` : "" };
}

/** Diagnostics of `src`, as a file named `inline.arch`. */
export function diagnose(src: string, options: { zoo?: boolean } = {}): Diagnosed {
  return diagnoseFile("inline.arch", { ...options, text: src });
}

/** Some error has `code` and a message matching `message`; returns it for further checks. */
export function expectError(src: string, code: DiagnosticCode, message: RegExp, options: { zoo?: boolean } = {}): Diagnostic {
  const { diagnostics, text } = diagnose(src, options);
  const hit = diagnostics.find((d) => d.code === code && message.test(d.message));
  expect(hit, `expected ${code} matching ${message}; got:\n${text || "(no diagnostics)"}`).toBeDefined();
  return hit!;
}

export function expectNoErrors(src: string, options: { zoo?: boolean } = {}): void {
  const { diagnostics, text } = diagnose(src, options);
  expect(diagnostics.filter((d) => d.severity === "error"), text).toEqual([]);
}
