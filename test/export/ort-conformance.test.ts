// `archc verify CASE --engine ort` on every case of ../shared/conformance: the exported ONNX
// graph on onnxruntime-node matches every expected tensor (hidden states included, exported
// as extra outputs) and the greedy generation through past_key_values/present. Cases the
// export does not cover yet must fail with their documented diagnostic.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import { DiagnosticError } from "../../src/compiler/diagnostics/diagnostic.js";
import { verifyCaseOrt } from "../../src/cli/ort/verify.js";
import { notExportedConformance } from "./not-exported.js";

const root = join(__dirname, "../../../shared/conformance");
const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8")) as { cases: { name: string; family: string }[] };
const ws = loadWorkspace([]);
let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), "archc-ort-"));
  process.env.ARCHC_CACHE = cache;
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe("verify --engine ort", () => {
  for (const c of index.cases) {
    const dir = join(root, c.name);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    if ("code" in selectArchForConfig(ws.archs.values(), config)) {
      it.todo(`${c.name} (no .arch for ${c.family} yet)`);
      continue;
    }
    const reason = notExportedConformance[c.name];
    if (reason) {
      it(`${c.name} is not exported yet: ${reason}`, async () => {
        const err = await verifyCaseOrt(ws, dir).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(DiagnosticError);
        const d = (err as DiagnosticError).diagnostics[0]!;
        expect(d.code).toMatch(/^E065[12]$/);
        expect(d.message).toContain(reason);
        expect(d.span?.file).toMatch(/models\/.*\.arch$/);
      });
      continue;
    }
    it(`${c.name} passes through onnxruntime`, async () => {
      const r = await verifyCaseOrt(ws, dir);
      for (const [name, t] of Object.entries(r.tensors)) {
        expect.soft(t.produced, `${name} is produced`).toBe(true);
        expect.soft(t.pass, `${name}: max abs err ${t.maxAbsErr} within atol ${t.atol} rtol ${t.rtol}`).toBe(true);
      }
      if (r.generate) expect(r.generate.actual).toEqual(r.generate.expected);
      expect(r.pass).toBe(true);
    });
  }
});
