// Every architecture in models/ (and the language-feature fixtures here) compiles to a module
// that the TypeScript compiler accepts in strict mode with zero diagnostics.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateModule } from "../../src/compiler/codegen/module.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { typecheckModules } from "./typecheck.js";

const fixtures = readdirSync(join(__dirname, "fixtures"))
  .filter((f) => f.endsWith(".arch"))
  .map((f) => join(__dirname, "fixtures", f));

describe("generated modules type-check in strict mode", () => {
  // One program for all modules: the runtime's sources are checked once.
  it("for every architecture of the zoo and the fixtures", { timeout: 600_000 }, async () => {
    const ws = loadWorkspace(fixtures);
    const errors = checkWorkspace(ws).filter((d) => d.severity === "error");
    const dir = mkdtempSync(join(tmpdir(), "archc-typecheck-"));
    const files: string[] = [];
    const skipped: string[] = [];
    for (const arch of ws.archs.values()) {
      // An arch with errors cannot be compiled (`archc check` reports it); one that someone is
      // still writing must not hide the others' results.
      if (errors.some((d) => d.span?.file === arch.file)) {
        skipped.push(arch.name);
        continue;
      }
      const g = await generateModule(arch);
      const path = join(dir, g.fileName);
      writeFileSync(path, g.text);
      files.push(path);
    }
    expect(skipped.filter((n) => fixtures.some((f) => ws.archs.get(n)?.file.endsWith(f.split("/").pop()!)))).toEqual([]);
    expect(files.length).toBeGreaterThan(fixtures.length);
    expect(typecheckModules(files)).toEqual([]);
    if (skipped.length) console.warn(`not type-checked (the arch has errors): ${skipped.join(", ")}`);
  });
});
