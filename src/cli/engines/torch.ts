// `verify --engine torch`: each case's architecture exported as a PyTorch package (once per
// architecture), every case run by one Python process, the results compared in TypeScript
// exactly as archc's own runtime's are.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { error, DiagnosticError } from "../../compiler/diagnostics/diagnostic.js";
import { packageRoot } from "../../compiler/package-root.js";
import type { ArchIR } from "../../compiler/ir/model.js";
import { readSafetensors, type IntTensor, type Tensor } from "../../runtime/index.js";
import { configValues, readJson } from "../checkpoint.js";
import { exportTorch } from "../export/torch.js";
import { compareCase, forwardParamsOf, readCaseInputs, type CaseInputs, type VerifyReport } from "../verify.js";
import { bundledWeightsOnly, type VerifyEngine } from "./engine.js";

/**
 * The Python that has torch: $ARCHC_PYTHON, else `python3` on the PATH, else Debian's
 * /usr/bin/python3 (where apt's python3-torch installs, even when the PATH leads to another).
 */
let found: { python?: string; why?: string } | undefined;

export function torchPython(): { python?: string; why?: string } {
  if (found) return found;
  const candidates = process.env.ARCHC_PYTHON ? [process.env.ARCHC_PYTHON] : ["python3", "/usr/bin/python3"];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
    if (!r.error && r.status === 0) return (found = { python });
  }
  return (found = { why: `PyTorch is not installed for ${candidates.join(" or ")} (on Debian: apt-get install python3-torch)` });
}

/** Why PyTorch cannot run here, or undefined when it can. */
export function torchUnavailable(): string | undefined {
  return torchPython().why;
}

const rows = (t: IntTensor) => Array.from({ length: t.shape[0]! }, (_, i) => Array.from(t.data.subarray(i * t.shape[1]!, (i + 1) * t.shape[1]!)));

interface Job {
  dir: string;
  inputs: CaseInputs;
  out: string;
}

export const torchEngine: VerifyEngine = {
  unavailable: torchUnavailable,
  async verifyCases(ws, dirs, options) {
    bundledWeightsOnly("torch", options);
    const archs = options?.archs;
    const why = torchUnavailable();
    if (why) throw new DiagnosticError([error("E0501", undefined, `verify --engine torch: ${why}`)]);
    const work = mkdtempSync(join(tmpdir(), "archc-torch-"));
    try {
      const packages = new Map<ArchIR, string>();
      const jobs: Job[] = [];
      const spec: unknown[] = [];
      for (const [i, dir] of dirs.entries()) {
        const cfgPath = join(dir, "config.json");
        const config = readJson(cfgPath, "config.json");
        const { arch, root, values } = configValues(ws, config, cfgPath, archs);
        let pkg = packages.get(arch);
        if (!pkg) {
          pkg = join(work, `archc_${arch.name.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`);
          exportTorch({ arch, root, values }, pkg);
          packages.set(arch, pkg);
        }
        const params = forwardParamsOf(arch, root);
        const inputs = readCaseInputs(dir, params.map((p) => p.name), { arch: arch.name, root, forwardParams: params }, config);
        const out = join(work, `case${i}`);
        jobs.push({ dir, inputs, out });
        const feed = Object.fromEntries(Object.entries(inputs.feed).filter(([, t]) => t !== undefined).map(([k, t]) => [k, rows(t!)]));
        const g = inputs.generate;
        spec.push({
          package: pkg,
          case: dir,
          out,
          inputs: feed,
          mask: inputs.mask ? rows(inputs.mask) : null,
          generate: g ? { prompt: g.prompt, max_new_tokens: g.maxNewTokens, decoder_start: g.decoderStart ?? null } : null,
        });
      }
      const jobFile = join(work, "jobs.json");
      writeFileSync(jobFile, JSON.stringify(spec));
      const runner = join(packageRoot(), "src", "cli", "engines", "torch_cases.py");
      const r = spawnSync(torchPython().python!, [runner, jobFile], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      if (r.status !== 0) throw new Error(`the PyTorch runner failed (exit ${r.status}):\n${r.stderr}`);
      return jobs.map((j) => report(j));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};

function report(j: Job): VerifyReport {
  const result = JSON.parse(readFileSync(join(j.out, "result.json"), "utf8")) as { generated?: number[]; error?: string };
  const outputs = join(j.out, "outputs.safetensors");
  const emitted = new Map<string, Tensor>(existsSync(outputs) ? readSafetensors(outputs).tensors : []);
  const logits = emitted.get("logits");
  emitted.delete("logits");
  const r = compareCase(j.dir, j.inputs, logits, emitted, result.generated, result.error ? [`PyTorch: ${result.error}`] : []);
  return { ...r, engine: "torch", ...(result.error ? { pass: false } : {}) };
}
