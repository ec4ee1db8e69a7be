// No module of src imports itself through others: the layers read one way (a cycle would
// make initialisation order matter and the modules inseparable). A plain depth-first search
// over the relative import and export-from statements; type-only imports count too, since
// they tie the modules together for a reader just the same.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { root, sourceFiles } from "./source-files.js";

/** The files a module imports (relative specifiers only; `.js` written for `.ts`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/gm), ...text.matchAll(/^\s*import\s+"(\.{1,2}\/[^"]+)"/gm)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
}

/** Every cycle found by a depth-first search, each as the files along it. */
function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((g) => g !== f)]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, "open");
    path.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === "open") cycles.push([...path.slice(path.indexOf(g)), g]);
      else if (!state.has(g)) visit(g);
    }
    path.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

describe("imports in src", () => {
  it("form no cycle", () => {
    const cycles = findCycles(sourceFiles(join(root, "src"))).map((c) => c.map((f) => relative(root, f)).join(" → "));
    expect(cycles).toEqual([]);
  });

  it("the search finds a cycle where there is one", () => {
    // a → b → c → a, and d → a outside the loop.
    const dir = mkdtempSync(join(tmpdir(), "archc-cycles-"));
    const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
    write("a.ts", 'import { b } from "./b.js";\nexport const a = b;\n');
    write("b.ts", 'import type { C } from "./c.js";\nexport const b = 1 as unknown as C;\n');
    write("c.ts", 'export { a } from "./a.js";\nexport type C = number;\n');
    write("d.ts", 'import { a } from "./a.js";\nexport const d = a;\n');
    try {
      const cycles = findCycles(["a.ts", "b.ts", "c.ts", "d.ts"].map((f) => join(dir, f)));
      expect(cycles.map((c) => c.map((f) => relative(dir, f)).join(" → "))).toEqual(["a.ts → b.ts → c.ts → a.ts"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
