// The exported graph of a tiny decoder in Chromium through onnxruntime-web (WebAssembly
// backend): served from 127.0.0.1 with its external weight file, decoded greedily in the page
// through past_key_values/present, it gives the bundled runtime's tokens.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { buildOnnxGraph, writeOnnxExport, type OnnxManifest } from "../../src/compiler/export/onnx/export.js";
import { generate, ModelSession, randomSource } from "../../src/runtime/index.js";
import type { Value } from "../../src/compiler/ir/model.js";

const executablePath = "/usr/bin/chromium";
const haveBrowser = existsSync(executablePath);
if (!haveBrowser && process.env.CI) throw new Error(`${executablePath} is missing: CI must install it (npm test's pretest does)`);

const ortDist = resolve(__dirname, "../../node_modules/onnxruntime-web/dist");
const types: Record<string, string> = { ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

// The page's script (plain JavaScript, as the browser runs it): greedy decoding with the
// KV cache fed back from present.{i} to past_key_values.{i}.
const decodeModule = `
import * as ort from "/ort/ort.wasm.min.mjs";
ort.env.wasm.wasmPaths = "/ort/";
ort.env.wasm.numThreads = 1;
window.greedy = async ({ prompt, cache, steps }) => {
  const session = await ort.InferenceSession.create("/model/model.onnx", {
    executionProviders: ["wasm"],
    externalData: [{ path: "model.onnx_data", data: "/model/model.onnx_data" }],
  });
  const i64 = (xs) => new ort.Tensor("int64", BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
  let feeds = {};
  cache.forEach((c, i) => {
    feeds["past_key_values." + i + ".key"] = new ort.Tensor("float32", new Float32Array(0), [1, c.kvHeads, 0, c.headDim]);
    feeds["past_key_values." + i + ".value"] = new ort.Tensor("float32", new Float32Array(0), [1, c.kvHeads, 0, c.valueDim]);
  });
  const out = [];
  let ids = prompt;
  let done = 0;
  for (let s = 0; s < steps; s++) {
    feeds.input_ids = i64(ids);
    feeds.attention_mask = i64(new Array(done + ids.length).fill(1));
    feeds.position_ids = i64(ids.map((_, j) => done + j));
    const r = await session.run(feeds);
    const v = r.logits.dims[2];
    const row = r.logits.data.subarray(r.logits.data.length - v);
    let best = 0;
    for (let j = 1; j < v; j++) if (row[j] > row[best]) best = j;
    out.push(best);
    done += ids.length;
    ids = [best];
    feeds = {};
    cache.forEach((_, i) => {
      feeds["past_key_values." + i + ".key"] = r["present." + i + ".key"];
      feeds["past_key_values." + i + ".value"] = r["present." + i + ".value"];
    });
  }
  return out;
};
`;

describe.runIf(haveBrowser)("an exported decoder in Chromium (onnxruntime-web, WASM)", () => {
  let browser: Browser;
  let server: Server;
  let origin = "";
  let dir = "";
  let manifest: OnnxManifest;
  let expected: number[] = [];
  const prompt = [3, 14, 15, 9, 26];

  beforeAll(async () => {
    const ws = loadWorkspace([]);
    const arch = ws.archs.get("Llama")!;
    const cfg = configFor(arch, "tiny");
    const built = buildOnnxGraph(cfg, "ForCausalLM", randomSource(11));
    dir = mkdtempSync(join(tmpdir(), "archc-onnx-web-"));
    writeOnnxExport(built, dir);
    manifest = built.manifest;
    const session = new ModelSession(await loadArch(arch), Object.fromEntries(cfg.values) as Record<string, Value>, randomSource(11), "ForCausalLM");
    expected = generate(session, prompt, { maxNewTokens: 8 });
    // Only the page, onnxruntime-web's files and the model are served, on the loopback address.
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const file = url.pathname === "/" ? undefined : url.pathname.startsWith("/ort/") ? join(ortDist, url.pathname.slice(5)) : url.pathname.startsWith("/model/") ? join(dir, url.pathname.slice(7)) : undefined;
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>archc onnx</title><script type="module" src="/decode.mjs"></script>');
        return;
      }
      if (url.pathname === "/decode.mjs") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(decodeModule);
        return;
      }
      if (!file || file.includes("..") || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const addr = server.address();
    origin = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => server?.close(ok));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("decodes the bundled runtime's greedy tokens", async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => typeof (window as unknown as { greedy?: unknown }).greedy === "function");
    const tokens = await page.evaluate(
      (args) => (window as unknown as { greedy(a: unknown): Promise<number[]> }).greedy(args),
      { prompt, cache: manifest.cache, steps: expected.length },
    );
    expect(tokens).toEqual(expected);
    await page.close();
  });
});
