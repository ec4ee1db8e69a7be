// `--engine ort` exports a checkpoint on the fly into a cache folder keyed by what the graph
// depends on (the .arch source, the configuration, the weight files, the export options), so
// a second run loads the graph it wrote before.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Workspace } from "../../compiler/workspace.js";
import { configFor } from "../../compiler/pipeline.js";
import { buildOnnxGraph, writeOnnxExport, type OnnxExportOptions, type OnnxManifest } from "../../compiler/export/onnx/export.js";
import { mapSource, readCheckpointDir } from "../../runtime/index.js";
import { configValues, readJson } from "../checkpoint.js";

export function cacheRoot(): string {
  return process.env.ARCHC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "archc");
}

/**
 * The exporter's own code (its files' sizes and modification times): a graph cached by an
 * older archc is not reused after the exporter or an op's lowering changed.
 */
function exporterStamp(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [join(here, "../../compiler/export/onnx"), join(here, "../../compiler/export/onnx/lowerings"), join(here, "../../compiler/ops"), join(here, "../../compiler/ir")];
  const parts: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      const st = statSync(join(d, f));
      if (st.isFile()) parts.push(`${f}:${st.size}:${st.mtimeMs}`);
    }
  }
  return parts.join("|");
}

/** The folder holding this checkpoint's exported graph (written now if absent). */
export function exportedCheckpoint(ws: Workspace, dir: string, opts: OnnxExportOptions = {}): { folder: string; manifest: OnnxManifest; config: Record<string, unknown> } {
  const cfgPath = join(dir, "config.json");
  const config = readJson(cfgPath, "config.json");
  const { arch, root, values } = configValues(ws, config, cfgPath);
  const h = createHash("sha256");
  h.update(JSON.stringify({ arch: arch.name, root, values, opts, version: 1 }));
  h.update(exporterStamp());
  for (const n of arch.lineage) {
    const file = ws.archs.get(n)?.file;
    if (file) h.update(ws.sources.get(file) ?? file);
  }
  for (const f of ["model.safetensors", "model.safetensors.index.json"]) {
    const p = join(dir, f);
    if (existsSync(p)) {
      const s = statSync(p);
      h.update(`${resolve(p)}:${s.size}:${s.mtimeMs}`);
    }
  }
  const folder = join(cacheRoot(), "onnx", h.digest("hex").slice(0, 24));
  const manifestPath = join(folder, "archc-onnx.json");
  if (!existsSync(manifestPath)) {
    const ck = readCheckpointDir(dir);
    const built = buildOnnxGraph(configFor(arch, undefined, values), root, mapSource(ck.files.join(", "), ck.tensors), opts);
    // Written beside, then moved: a run stopped halfway leaves no half-written graph behind.
    const tmp = `${folder}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    writeOnnxExport(built, tmp, dir);
    rmSync(folder, { recursive: true, force: true });
    renameSync(tmp, folder);
  }
  return { folder, manifest: JSON.parse(readFileSync(manifestPath, "utf8")) as OnnxManifest, config };
}
