// Renders diagnostics the way rustc and Elm do: location, code, message, the source line
// with a caret run under the span, then expected/found and a hint.
import type { Diagnostic } from "./diagnostic.js";

export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.col}: ` : "";
  lines.push(`${where}${d.severity}[${d.code}]: ${d.message}`);
  if (d.span) {
    const text = sources.get(d.span.file);
    const srcLine = text?.split("\n")[d.span.line - 1];
    if (srcLine !== undefined) {
      const gutter = String(d.span.line).length;
      const pad = " ".repeat(gutter);
      const visible = srcLine.replace(/\t/g, " ");
      const width = Math.max(1, Math.min(d.span.length, visible.length - (d.span.col - 1)));
      lines.push(`${pad} |`);
      lines.push(`${d.span.line} | ${visible}`);
      lines.push(`${pad} | ${" ".repeat(d.span.col - 1)}${"^".repeat(width)}`);
    }
  }
  if (d.expected !== undefined) lines.push(`  = expected: ${d.expected}`);
  if (d.found !== undefined) lines.push(`  =    found: ${d.found}`);
  for (const n of d.notes ?? []) {
    const at = n.span ? ` (${n.span.file}:${n.span.line}:${n.span.col})` : "";
    lines.push(`  = note: ${n.message}${at}`);
  }
  if (d.hint) lines.push(`  = hint: ${d.hint}`);
  return lines.join("\n");
}

export function renderDiagnostics(diags: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  return diags.map((d) => renderDiagnostic(d, sources)).join("\n\n");
}

export function diagnosticsToJson(diags: readonly Diagnostic[]): object[] {
  return diags.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.span ? { file: d.span.file, line: d.span.line, col: d.span.col, length: d.span.length } : {}),
    ...(d.expected !== undefined ? { expected: d.expected } : {}),
    ...(d.found !== undefined ? { found: d.found } : {}),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.notes ? { notes: d.notes.map((n) => ({ message: n.message, ...(n.span ? { file: n.span.file, line: n.span.line, col: n.span.col } : {}) })) } : {}),
  }));
}
