// A workspace from texts already in hand: parsing and inheritance flattening, with no file
// system. The CLI reads files first (workspace.ts); the browser playground has only texts.
import type * as A from "./ast/nodes.js";
import { parseArch } from "./ast/build.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import { flattenArchs } from "./ir/flatten.js";
import type { ArchIR } from "./ir/model.js";

export interface Workspace {
  files: A.SourceFile[];
  sources: Map<string, string>;
  archs: Map<string, ArchIR>;
  diagnostics: Diagnostic[];
}

/** Parses kept across workspaces by a long-lived caller (the language server), keyed by path. */
export type ParseCache = Map<string, { text: string; parsed: ReturnType<typeof parseArch> }>;

/**
 * `sources` in load order (a path given twice counts once); `diagnostics` are reading problems
 * found before; `zooOnly`: the paths of bundled zoo files the user did not name themselves.
 */
export function workspaceFromSources(sources: ReadonlyMap<string, string>, diagnostics: Diagnostic[] = [], parseCache?: ParseCache, zooOnly: ReadonlySet<string> = new Set()): Workspace {
  const parsed = [...sources].map(([path, text]) => {
    const cached = parseCache?.get(path);
    const p = cached?.text === text ? cached.parsed : parseArch(path, text);
    parseCache?.set(path, { text, parsed: p });
    diagnostics.push(...p.diagnostics);
    return p.file;
  });
  const files = shadowZoo(parsed, zooOnly);
  const archs = flattenArchs(files, diagnostics);
  return { files, sources: new Map(sources), archs, diagnostics };
}

/**
 * The files a user names win over the bundled zoo: a zoo architecture with the name of one
 * the user defines is left out, together with the zoo architectures built on it (Cohere
 * extends Llama: on the user's Llama it would be another model). Two definitions among the
 * user's own files remain an error (E0102).
 */
function shadowZoo(files: A.SourceFile[], zooOnly: ReadonlySet<string>): A.SourceFile[] {
  const userNames = new Set(files.filter((f) => !zooOnly.has(f.path)).flatMap((f) => f.archs.map((a) => a.name)));
  if (!userNames.size) return files;
  const zooDecls = new Map(files.filter((f) => zooOnly.has(f.path)).flatMap((f) => f.archs.map((a) => [a.name, a] as const)));
  const shadowed = (a: A.ArchDecl, seen = new Set<string>()): boolean => {
    if (userNames.has(a.name)) return true;
    const base = a.base && zooDecls.get(a.base.name);
    if (!base || seen.has(base.name)) return false;
    seen.add(a.name);
    return shadowed(base, seen);
  };
  // New file objects: a parse cache keeps the zoo files as parsed.
  return files.map((f) => (zooOnly.has(f.path) ? { ...f, archs: f.archs.filter((a) => !shadowed(a)) } : f));
}
