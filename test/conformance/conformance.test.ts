// Every case of ../shared/conformance (golden outputs from the reference implementations)
// through the generated code. Every case folder runs: one missing from index.json, or whose
// config no .arch of models/ loads, fails the suite instead of being skipped.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import { verifyCase } from "../../src/cli/verify.js";

const root = join(__dirname, "../../../shared/conformance");
const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8")) as { cases: { name: string; family: string }[] };
const ws = loadWorkspace([]);

/** The case folders on disk, whatever index.json lists. */
function caseFolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort();
}

describe("conformance", () => {
  const indexed = new Set(index.cases.map((c) => c.name));
  const folders = caseFolders(root);

  it("index.json lists every case folder, and every listed case has a folder", () => {
    expect(folders.filter((n) => !indexed.has(n)), "case folders missing from index.json").toEqual([]);
    expect([...indexed].filter((n) => !folders.includes(n)), "index.json cases without a folder").toEqual([]);
  });

  for (const name of folders) {
    const dir = join(root, name);
    it(`${name} matches every expected tensor and the greedy generation`, async () => {
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      const selected = selectArchForConfig(ws.archs.values(), config);
      expect("code" in selected ? `no .arch in models/ loads ${name}: ${selected.message}` : "an .arch loads it").toBe("an .arch loads it");
      const r = await verifyCase(ws, dir);
      for (const [tensor, t] of Object.entries(r.tensors)) {
        expect.soft(t.produced, `${tensor} is produced`).toBe(true);
        expect.soft(t.pass, `${tensor}: max abs err ${t.maxAbsErr} within atol ${t.atol} rtol ${t.rtol}`).toBe(true);
      }
      if (existsSync(join(dir, "generate.json"))) expect(r.generate?.actual).toEqual(r.generate?.expected);
      expect(r.pass).toBe(true);
    });
  }
});
