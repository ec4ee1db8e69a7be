// Runs the compiler front to back (parse, flatten, check, configure every preset, elaborate)
// on one source text, the way `archc check` does, and reports what happened: diagnostics,
// or the exception that escaped, and how long it took.
import { resolve } from "node:path";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { displayPath, loadWorkspace, zooFiles } from "../../src/compiler/workspace.js";
import type { Diagnostic } from "../../src/compiler/diagnostics/diagnostic.js";
import { zooSource } from "./mutations.js";

/**
 * Per-input budget of CPU time (not wall time, which other processes on a shared machine
 * stretch): anything slower counts as a hang.
 */
export const BUDGET_MS = 2000;

/** CPU milliseconds `f` took, with its result. */
export function timed<T>(f: () => T): { value: T; ms: number } {
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, ms: (c.user + c.system) / 1000 };
}

// Base architectures by name → the zoo file defining them, read off the sources (not the
// compiler under test), so a mutated file is checked together with what it extends.
let definers: Map<string, string> | undefined;
function definingFiles(): Map<string, string> {
  if (!definers) {
    definers = new Map();
    for (const f of zooFiles()) for (const m of zooSource(f).matchAll(/^arch\s+([A-Za-z_]\w*)/gm)) definers.set(m[1]!, f);
  }
  return definers;
}

/** Zoo files the architectures in `text` extend, transitively. */
export function baseFiles(text: string, self: string): string[] {
  const out: string[] = [];
  const todo = [...text.matchAll(/\bextends\s+([A-Za-z_]\w*)/g)].map((m) => m[1]!);
  while (todo.length) {
    const f = definingFiles().get(todo.pop()!);
    if (!f || f === self || out.includes(f)) continue;
    out.push(f);
    todo.push(...[...zooSource(f).matchAll(/\bextends\s+([A-Za-z_]\w*)/g)].map((m) => m[1]!));
  }
  return out;
}

export interface Outcome {
  diagnostics?: Diagnostic[];
  thrown?: unknown;
  ms: number;
}

/** `path` names the file the text claims to be (a zoo file's path replaces that file). */
export function checkSource(path: string, text: string): Outcome {
  const abs = resolve(path);
  const c0 = process.cpuUsage();
  const ms = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  try {
    const ws = loadWorkspace([abs, ...baseFiles(text, abs)], { includeZoo: false, texts: new Map([[abs, text]]) });
    const diagnostics = checkWorkspace(ws, [displayPath(abs)]);
    return { diagnostics, ms: ms() };
  } catch (e) {
    return { thrown: e, ms: ms() };
  }
}

/** Why an outcome is a failure, or undefined when it is fine. */
export function failure(o: Outcome): string | undefined {
  if (o.thrown !== undefined) {
    const e = o.thrown as Error;
    return `threw ${e?.name ?? typeof e}: ${e?.message ?? String(e)}\n${e?.stack?.split("\n").slice(1, 6).join("\n") ?? ""}`;
  }
  if (o.ms > BUDGET_MS) return `took ${o.ms.toFixed(0)} ms of CPU time (budget ${BUDGET_MS} ms)`;
  return undefined;
}
