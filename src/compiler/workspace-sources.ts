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

/** `sources` in load order (a path given twice counts once); `diagnostics` are reading problems found before. */
export function workspaceFromSources(sources: ReadonlyMap<string, string>, diagnostics: Diagnostic[] = [], parseCache?: ParseCache): Workspace {
  const files = [...sources].map(([path, text]) => {
    const cached = parseCache?.get(path);
    const parsed = cached?.text === text ? cached.parsed : parseArch(path, text);
    parseCache?.set(path, { text, parsed });
    diagnostics.push(...parsed.diagnostics);
    return parsed.file;
  });
  const archs = flattenArchs(files, diagnostics);
  return { files, sources: new Map(sources), archs, diagnostics };
}
