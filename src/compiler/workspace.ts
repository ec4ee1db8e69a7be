// Loads .arch sources (the bundled zoo plus any files named on the command line), parses
// and flattens them, and finds architectures and presets by name.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import type * as A from "./ast/nodes.js";
import { decodeSource } from "./ast/source-text.js";
import { error, type Diagnostic } from "./diagnostics/diagnostic.js";
import { suggest } from "./diagnostics/suggest.js";
import { workspaceFromSources, type ParseCache, type Workspace } from "./workspace-sources.js";
import type { ArchIR } from "./ir/model.js";
import { modelsDir } from "./package-root.js";

export type { ParseCache, Workspace } from "./workspace-sources.js";


export function zooFiles(): string[] {
  const dir = modelsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith(".arch"))
    .sort()
    .map((f) => join(dir, f));
}

/** Shown paths are relative to the working directory when that is shorter. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  // Relative only below the working directory; `../../x.arch` reads worse than the full path.
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

export function loadWorkspace(paths: string[], options: { includeZoo?: boolean; texts?: Map<string, string>; parseCache?: ParseCache } = {}): Workspace {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const seen = new Set<string>();
  const named = new Set(paths.map((p) => resolve(p)));
  const zooOnly = new Set<string>();
  const all = [...named, ...(options.includeZoo !== false ? zooFiles() : [])];
  for (const abs of all) {
    if (seen.has(abs)) continue;
    seen.add(abs);
    const shown = displayPath(abs);
    let text = options.texts?.get(abs);
    if (text === undefined) {
      try {
        // A FIFO would block the read until a writer came; a device may never end.
        const st = statSync(abs);
        if (!st.isFile() && !st.isDirectory()) {
          diagnostics.push(error("E0203", undefined, `cannot read ${shown}: not a regular file (a FIFO, socket or device)`));
          continue;
        }
        const bytes = readFileSync(abs);
        const decoded = decodeSource(shown, bytes);
        if ("diagnostic" in decoded) {
          diagnostics.push(decoded.diagnostic);
          sources.set(shown, bytes.toString("utf8"));
          continue;
        }
        text = decoded.text;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : code === "EACCES" ? "permission denied" : code === "ELOOP" ? "too many levels of symbolic links" : (code ?? String(e));
        diagnostics.push(error("E0203", undefined, `cannot read ${shown}: ${why}`));
        continue;
      }
    }
    sources.set(shown, text);
    if (!named.has(abs)) zooOnly.add(shown);
  }
  return workspaceFromSources(sources, diagnostics, options.parseCache, zooOnly);
}

export interface ModelRef {
  arch: ArchIR;
  preset?: string;
}

export function findPreset(ws: Workspace, name: string): ModelRef | undefined {
  for (const arch of ws.archs.values()) if (arch.presets.has(name)) return { arch, preset: name };
  return undefined;
}

export function allPresets(ws: Workspace): string[] {
  return [...ws.archs.values()].flatMap((a) => [...a.presets.keys()]);
}

/**
 * Resolves a model reference: `file.arch`, `file.arch:Arch`, `file.arch:Preset`, an
 * architecture name or a preset name. Throws a diagnostic list when it cannot.
 */
export function resolveModelRef(ws: Workspace, spec: string | undefined, preset: string | undefined): ModelRef | Diagnostic {
  if (preset !== undefined && spec === undefined) {
    const owners = [...ws.archs.values()].filter((a) => a.presets.has(preset));
    if (owners.length > 1) {
      // `tiny` exists in every family: a bare preset name must pick exactly one.
      return error("E0114", undefined, `preset "${preset}" is defined by ${owners.length} architectures: ${owners.map((a) => a.name).join(", ")}`, {
        hint: `name the file as well, e.g. ${owners[0]!.file}:${preset}`,
      });
    }
    return findPreset(ws, preset) ?? error("E0114", undefined, `no preset named "${preset}" in the loaded .arch files`, { hint: suggest(preset, allPresets(ws)) ?? "list presets with `archc zoo`" });
  }
  if (spec === undefined) return error("E0114", undefined, "name a model: FILE.arch[:PRESET] or --preset NAME");
  let file = spec;
  let sub = preset;
  // A loaded file is named by its path whatever its extension (`b.txt` holding .arch source).
  const loaded = (p: string) => p.endsWith(".arch") || ws.files.some((f) => resolve(f.path) === resolve(p));
  const m = /^(.*):([^/\\:]+)$/.exec(spec);
  if (m && !loaded(spec) && loaded(m[1]!)) {
    file = m[1]!;
    sub = m[2];
  }
  const isFile = loaded(file);
  const candidates = isFile
    ? ws.files.filter((f) => resolve(f.path) === resolve(file)).flatMap((f) => f.archs.map((a) => ws.archs.get(a.name)!).filter(Boolean))
    : [...ws.archs.values()].filter((a) => a.name === file);
  if (!isFile && candidates.length === 0) {
    const p = findPreset(ws, file);
    if (p) return p;
    return error("E0114", undefined, `no architecture or preset named "${file}"`, { hint: suggest(file, [...ws.archs.keys(), ...allPresets(ws)]) ?? "" });
  }
  if (candidates.length === 0) return error("E0114", undefined, `${file} defines no architecture`);
  if (sub !== undefined) {
    const byArch = candidates.find((a) => a.name === sub);
    if (byArch) return { arch: byArch };
    const withPreset = candidates.find((a) => a.presets.has(sub!));
    if (withPreset) return { arch: withPreset, preset: sub };
    return error("E0114", undefined, `no preset "${sub}" in ${file}`, { hint: suggest(sub, candidates.flatMap((a) => [...a.presets.keys()])) ?? "" });
  }
  // A file with several archs: the first one that is not only a base of another.
  const arch = candidates.find((a) => !candidates.some((b) => b !== a && b.lineage.includes(a.name))) ?? candidates[0]!;
  return { arch };
}
