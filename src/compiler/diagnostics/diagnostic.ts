import type { Span } from "../span.js";
import { catalogue, type DiagnosticCode } from "./catalogue.js";

export type Severity = "error" | "warning";

export interface Note {
  message: string;
  span?: Span;
}

/** An edit that would fix the problem, for editors' quick fixes: `text` replaces `span`. */
export interface Fix {
  title: string;
  span: Span;
  text: string;
}

/** A diagnostic is data; rendering to text or JSON happens at the edge (render.ts, CLI). */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span?: Span;
  expected?: string;
  found?: string;
  hint?: string;
  notes?: Note[];
  fixes?: Fix[];
}

export interface DiagnosticExtras {
  expected?: string;
  found?: string;
  hint?: string;
  notes?: Note[];
  fixes?: Fix[];
}

export function error(code: DiagnosticCode, span: Span | undefined, message: string, extras: DiagnosticExtras = {}): Diagnostic {
  return { code, severity: code.startsWith("W") ? "warning" : "error", message, ...(span ? { span } : {}), ...extras };
}

export function title(code: DiagnosticCode): string {
  return catalogue[code];
}

/** Thrown only to unwind out of a phase; the CLI turns it back into printed diagnostics. */
export class DiagnosticError extends Error {
  constructor(public readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
  }
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/** The first of each diagnostic reported again (same code, place and message). */
export function uniqueDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}@${d.span?.file}:${d.span?.offset}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
