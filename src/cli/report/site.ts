// `archc report`: a static site that works from file:// with no server and no network —
// the zoo table, a page per model (diagram, module tree, stats, highlighted source) and a
// diff page where any two models are picked and compared side by side.
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { removeStaleTemporaries } from "../files.js";
import { join, dirname, basename } from "node:path";
import type { ArchIR } from "../../compiler/ir/model.js";
import type { Workspace } from "../../compiler/workspace.js";
import { modelFor } from "../../compiler/pipeline.js";
import { printModuleTree } from "../../compiler/print/module-tree.js";
import { computeStats } from "../../compiler/stats/stats.js";
import { buildFlow } from "../../compiler/draw/dataflow.js";
import { renderSvg } from "../../compiler/draw/svg.js";
import { side } from "../../compiler/diff/index.js";
import { diffSides, type Side } from "../../compiler/diff/diff.js";
import { renderHtml as renderDiffPage, diffCss } from "../../compiler/diff/render.js";
import { escapeHtml } from "../../compiler/escape-html.js";
import { flagshipPreset, tableHtml, tableRows } from "../commands/table.js";
import { highlightArch } from "./highlight.js";
import { packageRoot } from "../../compiler/package-root.js";

const css = `${diffCss}
nav a{margin-right:1em}pre{background:#f6f8fa;padding:1em;overflow:auto;font:12px ui-monospace,monospace}
.k{color:#a626a4;font-weight:bold}.s{color:#50a14f}.n{color:#986801}.c{color:#a0a1a7;font-style:italic}.t{color:#4078f2}
table.zoo td,table.zoo th{font:12px ui-monospace,monospace}select{font-size:14px;margin-right:1em}`;

const page = (title: string, body: string, depth = 0) => {
  const up = depth ? "../" : "";
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${css}</style></head><body><nav><a href="${up}index.html">Zoo</a><a href="${up}diff.html">Compare</a><a href="${up}playground.html">Playground</a></nav><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;
};

export const modelSlug = (arch: ArchIR) => arch.name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

export interface ReportProgress {
  (done: number, total: number, what: string): void;
}

/**
 * Writes the site into a temporary folder next to `outDir`, then swaps it in: a run that
 * fails part way (a full disk, a model that does not elaborate) leaves the previous site as
 * it was, and no half-written folder behind.
 */
export function buildReport(ws: Workspace, outDir: string, only?: ReadonlySet<string>, progress: ReportProgress = () => {}): string[] {
  // A run killed part way left its temporary folder (or, mid-swap, the previous site aside).
  removeStaleTemporaries(outDir);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  let written: string[];
  try {
    written = writeSite(ws, tmp, only, progress);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${tmp}.old`;
  rmSync(old, { recursive: true, force: true });
  const hadOld = existsSync(outDir);
  if (hadOld) renameSync(outDir, old);
  try {
    renameSync(tmp, outDir);
  } catch (e) {
    if (hadOld) renameSync(old, outDir);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
  return written;
}

function writeSite(ws: Workspace, tmp: string, only: ReadonlySet<string> | undefined, progress: ReportProgress): string[] {
  const archs = [...ws.archs.values()].filter((a) => !only || only.has(a.file)).sort((a, b) => a.name.localeCompare(b.name));
  mkdirSync(join(tmp, "models"), { recursive: true });
  const written: string[] = [];
  const write = (rel: string, text: string) => {
    writeFileSync(join(tmp, rel), text);
    written.push(rel);
  };
  const total = archs.length * 2 + 3;
  let done = 0;
  const rows = tableRows(archs);
  write("index.html", page("archc model zoo", `<p>${archs.length} architectures. Pick two on the <a href="diff.html">compare</a> page.</p>${tableHtml(rows, (r) => `models/${modelSlug(ws.archs.get(r.model)!)}.html`)}`));
  progress(++done, total, "zoo table");
  const facts: Side[] = [];
  for (const arch of archs) {
    const preset = flagshipPreset(arch);
    const m = modelFor(arch, preset);
    const s = computeStats(m);
    const svg = renderSvg(buildFlow(m), `${preset ?? arch.name} (${m.root.className})`);
    const source = ws.files.find((f) => f.path === arch.file)?.text ?? "";
    const statsTable = `<table><tr><th>parameters</th><td>${s.exact.params.toLocaleString("en-US")}</td></tr><tr><th>non-embedding parameters</th><td>${s.exact.nonEmbeddingParams.toLocaleString("en-US")}</td></tr><tr><th>FLOPs per token</th><td>${s.exact.flopsPerToken.toLocaleString("en-US")}</td></tr><tr><th>KV-cache bytes per token</th><td>${s.exact.kvCacheBytesPerToken.toLocaleString("en-US")}</td></tr></table>`;
    const presets = [...arch.presets.keys()].map((p) => `<code>${escapeHtml(p)}</code>`).join(", ");
    write(
      `models/${modelSlug(arch)}.html`,
      page(
        `${arch.name}${preset ? ` — ${preset}` : ""}`,
        `<p>Presets: ${presets || "none"}</p><h2>Diagram</h2><div class="diagram">${svg}</div><h2>Statistics</h2>${statsTable}<h2>Module tree</h2><pre class="tree">${escapeHtml(printModuleTree(m.root))}</pre><h2>Source <small>${escapeHtml(arch.file)}</small></h2><pre class="source">${highlightArch(source)}</pre>`,
        1,
      ),
    );
    facts.push(side(m, preset ?? arch.name));
    progress(++done, total, `model ${arch.name}`);
  }
  // Every ordered pair, pre-rendered: the page then only swaps fragments, so it needs no server.
  const diffs: Record<string, string> = {};
  facts.forEach((fa, i) => {
    facts.forEach((fb, j) => {
      const html = renderDiffPage(diffSides(fa, fb));
      diffs[`${archs[i]!.name}|${archs[j]!.name}`] = html.slice(html.indexOf("<body>") + 6, html.lastIndexOf("</body>"));
    });
    progress(++done, total, `diffs of ${archs[i]!.name}`);
  });
  write("diff-data.js", `window.ARCHC_DIFFS = ${JSON.stringify(diffs).replace(/</g, "\\u003c")};\n`);
  const options = archs.map((a) => `<option value="${escapeHtml(a.name)}">${escapeHtml(a.name)}</option>`).join("");
  write(
    "diff.html",
    page(
      "Compare two models",
      `<label>A <select id="a">${options}</select></label><label>B <select id="b">${options}</select></label><div id="diff"></div>
<script src="diff-data.js"></script>
<script>
(function () {
  var a = document.getElementById("a"), b = document.getElementById("b"), out = document.getElementById("diff");
  var params = new URLSearchParams(location.search);
  if (params.get("a")) a.value = params.get("a");
  if (params.get("b")) b.value = params.get("b"); else if (b.options.length > 1) b.selectedIndex = 1;
  function show() { out.innerHTML = window.ARCHC_DIFFS[a.value + "|" + b.value] || "<p>No diff available.</p>"; }
  a.addEventListener("change", show); b.addEventListener("change", show); show();
})();
</script>`,
    ),
  );
  progress(++done, total, "compare page");
  writePlayground(ws, tmp, archs, write);
  written.push("playground.js");
  progress(++done, total, "playground");
  return written;
}

/** The bundle `npm run build` makes of src/playground (CodeMirror + the compiler). */
export const playgroundBundle = () => join(packageRoot(), "dist", "playground", "playground.js");

const playgroundCss = `main.play{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}
#editor .cm-editor{height:80vh;border:1px solid #ccc;font-size:12px}#panels{overflow:auto;max-height:82vh}
pre.diagnostic{background:#fff0f0;border-left:3px solid #d00;padding:.5em;white-space:pre-wrap;margin:.3em 0}
pre.diagnostic.warning{background:#fffbe6;border-color:#e0a000}.stale #diagram,.stale #stats,.stale #tree{opacity:.35}p.ok{color:#080}#status{font-weight:bold}`;

function writePlayground(ws: Workspace, tmp: string, archs: ArchIR[], write: (rel: string, text: string) => void): void {
  const bundle = playgroundBundle();
  if (!existsSync(bundle)) throw new Error(`the playground bundle ${bundle} is missing: run \`npm run build\``);
  copyFileSync(bundle, join(tmp, "playground.js"));
  const files = [...new Set(archs.map((a) => a.file))].sort();
  const zoo = files.map((path) => ({ path, text: ws.sources.get(path) ?? "" }));
  write("playground-data.js", `window.ARCHC_ZOO = ${JSON.stringify(zoo).replace(/</g, "\\u003c")};\n`);
  write(
    "playground.html",
    page(
      "Playground",
      `<style>${playgroundCss}</style><p><label>Start from <select id="model"></select></label><label>preset <select id="preset"></select></label> <span id="status"></span></p>
<main class="play"><div id="editor"></div><div id="panels"><h2>Diagnostics</h2><div id="diagnostics"></div><h2>Diagram</h2><div id="diagram" class="diagram"></div><h2>Statistics</h2><div id="stats"></div><h2>Module tree</h2><pre id="tree" class="tree"></pre></div></main>
<script src="playground-data.js"></script><script src="playground.js"></script>`,
    ),
  );
}
