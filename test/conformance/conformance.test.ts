// Every case of ../shared/conformance (golden outputs from the reference implementations)
// through the generated code. A case whose family has no .arch file yet is reported as
// todo, never as passing.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import { verifyCase } from "../../src/cli/verify.js";

const root = join(__dirname, "../../../shared/conformance");
const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8")) as { cases: { name: string; family: string }[] };
const ws = loadWorkspace([]);

describe("conformance", () => {
  for (const c of index.cases) {
    const dir = join(root, c.name);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const supported = !("code" in selectArchForConfig(ws.archs.values(), config));
    if (!supported) {
      it.todo(`${c.name} (no .arch for ${c.family} yet)`);
      continue;
    }
    it(`${c.name} matches every expected tensor and the greedy generation`, async () => {
      const r = await verifyCase(ws, dir);
      for (const [name, t] of Object.entries(r.tensors)) {
        expect.soft(t.produced, `${name} is produced`).toBe(true);
        expect.soft(t.pass, `${name}: max abs err ${t.maxAbsErr} within atol ${t.atol} rtol ${t.rtol}`).toBe(true);
      }
      if (existsSync(join(dir, "generate.json"))) expect(r.generate?.actual).toEqual(r.generate?.expected);
      expect(r.pass).toBe(true);
    });
  }
});
