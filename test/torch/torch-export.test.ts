// `archc export --torch` and `verify --engine torch`: every op and primitive has a PyTorch
// lowering; the exported packages reproduce every conformance case, print as archc prints,
// count parameters as archc counts them, train (finite gradients, gradcheck, AdamW) and
// scale out (DDP over two processes). Tests that run Python need Debian's python3-torch;
// where it is missing they are skipped with a message saying so.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ops } from "../../src/compiler/ops/catalogue.js";
import { primitives } from "../../src/compiler/ir/primitives.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { torchPackage } from "../../src/compiler/export/torch/package.js";
import { exportTorch } from "../../src/cli/export/torch.js";
import { exportedModel } from "../../src/cli/export/model.js";
import { torchEngine, torchPython } from "../../src/cli/engines/torch.js";
import type { VerifyReport } from "../../src/cli/verify.js";
import { DiagnosticError } from "../../src/compiler/diagnostics/diagnostic.js";

const ws = loadWorkspace([]);
const arch = (name: string) => [...ws.archs.values()].find((a) => a.name === name)!;

describe("PyTorch lowerings", () => {
  it("every op has one, beside its definition", () => {
    const missing = Object.values(ops).filter((d) => !d.torch || (!d.torch.inline && !d.torch.helper)).map((d) => d.name);
    expect(missing, `ops without a torch lowering: ${missing.join(", ")}`).toEqual([]);
  });

  it("every primitive has one, beside its definition", () => {
    const missing = Object.values(primitives).filter((p) => !p.torch).map((p) => p.name);
    expect(missing, `primitives without a torch lowering: ${missing.join(", ")}`).toEqual([]);
  });

  it("exporting a model that uses an op without one fails, naming the op and its .arch location", () => {
    const softcap = ops.softcap! as { torch?: unknown };
    const saved = softcap.torch;
    delete softcap.torch;
    const out = mkdtempSync(join(tmpdir(), "archc-torch-missing-"));
    try {
      let err: unknown;
      try {
        exportTorch({ arch: arch("Gemma2"), preset: "tiny" }, out);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DiagnosticError);
      const d = (err as DiagnosticError).diagnostics[0]!;
      expect(d.code).toBe("E0601");
      expect(d.message).toContain("`softcap` has no PyTorch lowering");
      expect(d.span?.file).toBe("models/gemma2.arch");
      const line = readFileSync(d.span!.file, "utf8").split("\n")[d.span!.line - 1]!;
      expect(line.slice(d.span!.col - 1)).toMatch(/^softcap\(/);
    } finally {
      softcap.torch = saved;
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("the generated module reads like its .arch file (snapshot: Llama tiny)", async () => {
    const model = torchPackage(arch("Llama"), { preset: "tiny" }).find((f) => f.path === "model.py")!;
    await expect(model.text).toMatchFileSnapshot("__snapshots__/llama-tiny.model.py");
  });
});

const py = torchPython();
if (py.why && process.env.CI) throw new Error(`${py.why}: CI must install it (npm test's pretest does)`);
if (py.why) console.warn(`\n  skipping the PyTorch export tests: ${py.why}\n`);

const conformance = join(__dirname, "../../../shared/conformance");
const index = JSON.parse(readFileSync(join(conformance, "index.json"), "utf8")) as { cases: { name: string }[] };
const supported = index.cases.map((c) => c.name).filter((name) => !("code" in selectArchForConfig(ws.archs.values(), JSON.parse(readFileSync(join(conformance, name, "config.json"), "utf8")))));

describe.runIf(!py.why)("verify --engine torch", () => {
  let reports: VerifyReport[] = [];
  beforeAll(async () => {
    reports = await torchEngine.verifyCases(ws, supported.map((c) => join(conformance, c)));
  }, 600_000);

  it.each(supported)("%s: every expected tensor and the greedy generation", (name) => {
    const r = reports.find((x) => x.case === name)!;
    expect(r.warnings).toEqual([]);
    for (const [k, t] of Object.entries(r.tensors)) expect.soft(t.pass, `${k}: max abs err ${t.maxAbsErr} (atol ${t.atol}, rtol ${t.rtol})`).toBe(true);
    if (r.generate) expect(r.generate.actual).toEqual(r.generate.expected);
    expect(r.engine).toBe("torch");
    expect(r.pass).toBe(true);
  });
});

// Every family's tiny preset: print(model) and the parameter count; six of them also train.
const trained = new Set(["Llama", "Mixtral", "T5", "Rwkv", "Mamba", "Dbrx"]);
const tinyArchs = [...ws.archs.values()].filter((a) => a.presets.has("tiny")).map((a) => a.name).sort();

describe.runIf(!py.why)("exported packages", () => {
  let work = "";
  const results = new Map<string, { error?: string; torch: string; print: string; params: number; train?: { no_grad: string[]; not_finite: string[]; gradcheck: boolean; losses: number[] } }>();
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "archc-torch-pkgs-"));
    const jobs = tinyArchs.map((name) => {
      const dir = join(work, `archc_${name.toLowerCase()}_tiny`);
      exportTorch({ arch: arch(name), preset: "tiny" }, dir);
      return { package: dir, train: trained.has(name), name };
    });
    const jobFile = join(work, "jobs.json");
    writeFileSync(jobFile, JSON.stringify(jobs));
    const r = spawnSync(py.python!, [join(__dirname, "check_packages.py"), jobFile], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    jobs.forEach((j, i) => results.set(j.name, lines[i]));
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(tinyArchs)("%s tiny: print(model) is archc print (unfolded before torch 2) and the parameter count is archc stats'", (name) => {
    const m = modelFor(arch(name), "tiny");
    const r = results.get(name)!;
    expect(r.error).toBeUndefined();
    // torch >= 2.0 folds runs of identical list items as archc print does; 1.13 prints each.
    const fold = Number(r.torch.split(".")[0]) >= 2;
    expect(r.print).toBe(printModuleTree(m.root, { fold }));
    expect(r.params).toBe(computeStats(m).params);
  });

  it.each([...trained])("%s tiny trains: finite gradients for every parameter, float64 gradcheck, AdamW lowers the loss", (name) => {
    const t = results.get(name)!.train!;
    expect(t.no_grad).toEqual([]);
    expect(t.not_finite).toEqual([]);
    expect(t.gradcheck).toBe(true);
    expect(t.losses[t.losses.length - 1]!).toBeLessThan(t.losses[0]!);
  });

  it("DistributedDataParallel over two processes (gloo) keeps both ranks' parameters identical", () => {
    const dir = join(work, "archc_llama_ddp");
    exportTorch({ arch: arch("Llama"), preset: "tiny" }, dir);
    const r = spawnSync(py.python!, [join(__dirname, "ddp_check.py"), dir], { encoding: "utf8", timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(out).toEqual({ identical: true, changed: true, world: 2 });
  }, 300_000);

  it("from_pretrained loads strictly (missing, unexpected and misshapen tensors named), sharded, F16 and BF16; dtype follows the parameters", () => {
    const dir = join(work, "archc_llama_checkpoint");
    const ckpt = join(conformance, "llama-tiny");
    exportTorch(exportedModel({ positional: [], options: new Map() }, ckpt), dir);
    const r = spawnSync(py.python!, [join(__dirname, "loading_check.py"), dir, ckpt, join(work, "variants")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.missing.error).toContain(`missing: ${out.first}`);
    expect(out.unexpected.error).toContain("unexpected: model.extra.weight");
    expect(out.misshapen.error).toContain(`${out.first}: shape [3, 3]`);
    expect(out.sharded).toEqual({ max_abs_diff: 0 });
    expect(out.float16).toEqual({ max_abs_diff: 0 });
    expect(out.bfloat16).toEqual({ max_abs_diff: 0 });
    expect(out.bf16_model.dtype).toBe("torch.bfloat16");
    expect(out.bf16_model.max_abs_diff).toBeLessThan(0.05 * out.bf16_model.scale);
  }, 120_000);

  it("archc verify --engine torch --json prints today's JSON plus the engine", async () => {
    const r = spawnSync(process.execPath, [join(__dirname, "../../bin/archc.js"), "verify", join(conformance, "gpt2-tiny"), "--engine", "torch", "--json"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(["case", "engine", "weights", "tolerance", "pass", "tensors", "generate"]);
    expect(json).toMatchObject({ case: "gpt2-tiny", engine: "torch", pass: true, generate: { pass: true } });
    expect(json.tensors.logits).toMatchObject({ atol: 0.0001, pass: true });
  }, 120_000);
});
