// `archc zoo` covers every family in models/: each architecture has a `tiny` preset small
// enough for a smoke run, and the zoo checks, compiles and runs every one of them.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { loadWorkspace, zooFiles } from "../../src/compiler/workspace.js";
import { archc } from "./capture.js";

const ws = loadWorkspace([]);
const archs = [...ws.archs.values()];
const files = zooFiles();

describe("the model zoo", () => {
  it("every models/*.arch file defines an architecture", () => {
    expect(files.length).toBeGreaterThanOrEqual(24);
    const defining = new Set(archs.map((a) => a.file.split("/").pop()));
    for (const f of files) expect(defining, f).toContain(f.split("/").pop());
  });

  for (const arch of archs) {
    it(`${arch.name} (${arch.file}) has a tiny preset that is tiny`, () => {
      expect([...arch.presets.keys()]).toContain("tiny");
      const m = modelFor(arch, "tiny");
      expect(m.config.diagnostics.map((d) => d.message)).toEqual([]);
      // Random weights are drawn for every parameter on each zoo run: keep it a smoke test.
      expect(computeStats(m).params).toBeLessThan(2_000_000);
    });
  }

  it("archc zoo --json reports every architecture as ok", { timeout: 600_000 }, async () => {
    const r = await archc("zoo", "--json");
    expect(r.progress).toBe("");
    const rows = JSON.parse(r.out) as { model: string; run: string }[];
    expect(rows.map((x) => x.model).sort()).toEqual(archs.map((a) => a.name).sort());
    const failing = rows.filter((x) => !x.run.startsWith("ok ")).map((x) => `${x.model}: ${x.run}`);
    expect(failing, r.err).toEqual([]);
    expect(r.code, r.err).toBe(0);
  });
});
