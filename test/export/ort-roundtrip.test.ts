// Round trip for every zoo family's `tiny` preset (random weights): the exported graph on
// onnxruntime gives the bundled runtime's logits to the conformance tolerance (1e-4), and a
// decoder's greedy tokens through its KV cache inputs/outputs equal the bundled runtime's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { configFor } from "../../src/compiler/pipeline.js";
import { loadArch } from "../../src/compiler/codegen/load.js";
import { DiagnosticError } from "../../src/compiler/diagnostics/diagnostic.js";
import { buildOnnxGraph, writeOnnxExport } from "../../src/compiler/export/onnx/export.js";
import { generate, IntTensor, ModelSession, mulberry32, randomSource } from "../../src/runtime/index.js";
import type { ArchIR, Value } from "../../src/compiler/ir/model.js";
import type { ResolvedConfig } from "../../src/compiler/eval/config.js";
import { OrtModel } from "../../src/cli/ort/session.js";
import { notExportedZoo } from "./not-exported.js";

const ws = loadWorkspace([]);
const out = mkdtempSync(join(tmpdir(), "archc-onnx-rt-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const SEED = 7;

/** The bundled runtime's and onnxruntime's logits and greedy tokens for one configuration. */
async function roundTrip(arch: ArchIR, cfg: ResolvedConfig, root: string, dir: string, length: number, plant?: { token: number; at: number[] }): Promise<void> {
  const built = buildOnnxGraph(cfg, root, randomSource(SEED));
  writeOnnxExport(built, dir);
  const session = new ModelSession(await loadArch(arch), Object.fromEntries(cfg.values) as Record<string, Value>, randomSource(SEED), root);
  const rand = mulberry32(3);
  const vocab = Number(session.cfg.vocab ?? 32);
  const feed: Record<string, IntTensor> = {};
  for (const n of session.inputNames) feed[n] = new IntTensor(Int32Array.from({ length: 2 * length }, () => Math.floor(rand() * (/type/.test(n) ? 2 : vocab))), [2, length]);
  for (const i of plant?.at ?? []) feed.input_ids!.data[i] = plant!.token;
  const expected = session.forward(feed).output;
  const model = await OrtModel.open(dir, built.manifest);
  const actual = (await model.forward(feed)).output;
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const d = Math.abs(actual.data[i]! - e);
    if (!(d <= 1e-4 + 1e-4 * Math.abs(e))) worst = Math.max(worst, d, Number.isNaN(d) ? Infinity : 0);
  }
  expect(worst, "largest error beyond atol 1e-4 + rtol 1e-4").toBe(0);
  if (built.manifest.kind !== "encoder") {
    const prompt = Array.from(feed.input_ids!.data.subarray(0, 5));
    // An encoder-decoder's decoder starts from token 0 (T5's decoder_start_token_id).
    const start = session.contextInputs.length ? [0] : undefined;
    const greedy = generate(session, prompt, { maxNewTokens: 6, ...(start ? { decoderStart: start } : {}) });
    expect(await model.generate(prompt, 6, undefined, start)).toEqual(greedy);
  }
}

describe("ONNX round trip of the zoo's tiny presets", () => {
  it("Yuan2 with end-of-document tokens in the prompt: segments masked, counted on while decoding", async () => {
    const arch = ws.archs.get("Yuan2")!;
    const cfg = configFor(arch, "tiny");
    expect(cfg.values.get("document_boundary")).toBe(2);
    // Boundaries at positions 1 and 3 of row 0 (inside the generation prompt) and 4 of row 1.
    await roundTrip(arch, cfg, arch.root!.block, join(out, "Yuan2-documents"), 7, { token: 2, at: [1, 3, 11] });
  });

  it("Qwen past its trained length: dynamic NTK alpha kept as state, logn-scaled queries", async () => {
    const arch = ws.archs.get("Qwen")!;
    const cfg = configFor(arch, "tiny", { context: 4 });
    expect(cfg.diagnostics).toEqual([]);
    await roundTrip(arch, cfg, arch.root!.block, join(out, "Qwen-short"), 7);
  });

  it("ops no zoo family calls (topk_gates with p-norm and raw gates, unsqueeze, sum, abs, rsqrt, log)", async () => {
    const probe = loadWorkspace([join(__dirname, "fixtures/gates-probe.arch")], { includeZoo: false });
    expect(probe.diagnostics).toEqual([]);
    const arch = probe.archs.get("GatesProbe")!;
    await roundTrip(arch, configFor(arch, "tiny"), arch.root!.block, join(out, "GatesProbe"), 7);
  });

  for (const arch of ws.archs.values()) {
    if (!arch.presets.has("tiny")) continue;
    const root = arch.root?.block ?? "";
    const config = () => configFor(arch, "tiny");
    const reason = notExportedZoo[arch.name];
    if (reason) {
      it(`${arch.name} is not exported yet: ${reason}`, () => {
        let err: unknown;
        try {
          buildOnnxGraph(config(), root, randomSource(SEED));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DiagnosticError);
        expect((err as DiagnosticError).diagnostics[0]!.message).toContain(reason);
      });
      continue;
    }
    it(`${arch.name}: onnxruntime logits equal the bundled runtime's`, async () => {
      await roundTrip(arch, config(), root, join(out, arch.name), 7);
    });
  }
});
