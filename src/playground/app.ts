// The playground of `archc report`: a CodeMirror editor on the left; on the right the live
// diagnostics, module tree, statistics and block diagram of what is typed, computed in the
// browser by the same compiler as the CLI (bundled by scripts/build-playground.mjs). The zoo
// comes with the page (playground-data.js), so it works from file:// with no server.
import { basicSetup, EditorView } from "codemirror";
import { linter, lintGutter, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { hasErrors } from "../compiler/diagnostics/diagnostic.js";
import { checkWorkspace, modelFor } from "../compiler/pipeline.js";
import { printModuleTree } from "../compiler/print/module-tree.js";
import { computeStats } from "../compiler/stats/stats.js";
import { buildFlow } from "../compiler/draw/dataflow.js";
import { renderSvg } from "../compiler/draw/svg.js";
import { workspaceFromSources } from "../compiler/workspace-sources.js";
import type { Workspace } from "../compiler/workspace.js";

interface ZooFile {
  path: string;
  text: string;
}

declare global {
  interface Window {
    ARCHC_ZOO: ZooFile[];
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The zoo with the edited file's text in place of its own (other zoo files may extend it). */
function workspaceWith(path: string, text: string): Workspace {
  const sources = new Map(window.ARCHC_ZOO.map((f) => [f.path, f.path === path ? text : f.text]));
  if (!sources.has(path)) sources.set(path, text);
  return workspaceFromSources(sources);
}

function diagnosticText(d: Diagnostic): string {
  const where = d.span ? `${d.span.line}:${d.span.col}: ` : "";
  const extra = [d.expected !== undefined ? `expected: ${d.expected}` : "", d.found !== undefined ? `found: ${d.found}` : "", d.hint ? `hint: ${d.hint}` : ""].filter(Boolean);
  return [`${where}${d.severity}[${d.code}]: ${d.message}`, ...extra.map((e) => `  = ${e}`)].join("\n");
}

interface Analysis {
  ws: Workspace;
  diagnostics: Diagnostic[];
}

function analyse(path: string, text: string): Analysis {
  const ws = workspaceWith(path, text);
  return { ws, diagnostics: checkWorkspace(ws, [path]).filter((d) => !d.span || d.span.file === path) };
}

/** The right-hand panels: diagnostics always; tree, stats and diagram when the model checks. */
function render(path: string, a: Analysis, presetSelect: HTMLSelectElement): void {
  const diags = $("diagnostics");
  diags.innerHTML = a.diagnostics.length ? a.diagnostics.map((d) => `<pre class="diagnostic ${d.severity}">${escape(diagnosticText(d))}</pre>`).join("") : `<p class="ok">No problems.</p>`;
  const arch = [...a.ws.archs.values()].find((x) => x.file === path && x.root) ?? [...a.ws.archs.values()].find((x) => x.file === path);
  const presets = arch ? [...arch.presets.keys()] : [];
  const wanted = presetSelect.value;
  presetSelect.innerHTML = ["(defaults)", ...presets].map((p) => `<option>${escape(p)}</option>`).join("");
  presetSelect.value = presets.includes(wanted) ? wanted : (presets.find((p) => p !== "tiny") ?? "(defaults)");
  // Until the text checks again, the last good model stays on show, dimmed.
  $("panels").classList.toggle("stale", !arch || hasErrors(a.diagnostics));
  if (!arch || hasErrors(a.diagnostics)) {
    $("status").textContent = arch ? "fix the errors to see the model" : "no architecture in this file";
    return;
  }
  try {
    const preset = presetSelect.value === "(defaults)" ? undefined : presetSelect.value;
    const m = modelFor(arch, preset);
    const s = computeStats(m);
    $("tree").textContent = printModuleTree(m.root);
    $("stats").innerHTML = `<table><tr><th>parameters</th><td>${s.exact.params.toLocaleString("en-US")}</td></tr><tr><th>FLOPs per token</th><td>${s.exact.flopsPerToken.toLocaleString("en-US")}</td></tr><tr><th>KV-cache bytes per token</th><td>${s.exact.kvCacheBytesPerToken.toLocaleString("en-US")}</td></tr></table>`;
    $("diagram").innerHTML = renderSvg(buildFlow(m), `${preset ?? arch.name} (${m.root.className})`);
    $("status").textContent = `${arch.name}${preset ? ` — ${preset}` : ""}`;
  } catch (e) {
    $("status").textContent = `cannot build the model: ${(e as Error).message}`;
  }
}

function start(): void {
  const select = $<HTMLSelectElement>("model");
  const presetSelect = $<HTMLSelectElement>("preset");
  select.innerHTML = window.ARCHC_ZOO.map((f) => `<option value="${escape(f.path)}">${escape(f.path.split("/").pop()!)}</option>`).join("");
  const initial = new URLSearchParams(location.search).get("model");
  if (initial && window.ARCHC_ZOO.some((f) => f.path.endsWith(`/${initial}`))) select.value = window.ARCHC_ZOO.find((f) => f.path.endsWith(`/${initial}`))!.path;

  let latest: Analysis | undefined;
  const refresh = (view: EditorView): LintDiagnostic[] => {
    latest = analyse(select.value, view.state.doc.toString());
    render(select.value, latest, presetSelect);
    return latest.diagnostics
      .filter((d) => d.span)
      .map((d) => ({ from: d.span!.offset, to: Math.min(d.span!.offset + Math.max(1, d.span!.length), view.state.doc.length), severity: d.severity, message: diagnosticText(d) }));
  };
  const textOf = (path: string) => window.ARCHC_ZOO.find((f) => f.path === path)?.text ?? "";
  const view = new EditorView({
    doc: textOf(select.value),
    extensions: [basicSetup, lintGutter(), linter(refresh, { delay: 250 })],
    parent: $("editor"),
  });
  select.addEventListener("change", () => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textOf(select.value) } }));
  presetSelect.addEventListener("change", () => latest && render(select.value, latest, presetSelect));
}

start();
