// The documentation cannot drift from the compiler: the generated reference sections of
// docs/language.md match the op, primitive and diagnostic tables; docs/diagnostics.md explains
// exactly the codes of the catalogue; the tutorial's model checks, prints and fails as shown.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { languageDoc, regenerate } from "../../scripts/gen-docs.mts";
import { ops } from "../../src/compiler/ops/catalogue.js";
import { catalogue } from "../../src/compiler/diagnostics/catalogue.js";
import { builtins } from "../../src/compiler/eval/evaluate.js";
import { primitives } from "../../src/compiler/ir/primitives.js";
import { printModuleTree } from "../../src/compiler/print/module-tree.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { diagnoseFile } from "../check/diagnose.js";

const language = readFileSync(languageDoc, "utf8");
const diagnostics = readFileSync(join(__dirname, "../../docs/diagnostics.md"), "utf8");

/** The fenced blocks of a markdown text, with their info string. */
function fences(md: string): { info: string; body: string }[] {
  return [...md.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!, body: m[2]! }));
}

describe("docs/language.md", () => {
  it("has its generated sections up to date (run `npx tsx scripts/gen-docs.mts`)", () => {
    expect(language).toBe(regenerate(language));
  });

  it("documents every op of src/compiler/ops/catalogue.ts", () => {
    for (const name of Object.keys(ops)) expect(language, `op ${name}`).toMatch(new RegExp(`\`${name}(\\(|\`)`));
  });

  it("documents every primitive and every config function", () => {
    for (const name of Object.keys(primitives)) expect(language, `primitive ${name}`).toContain(`| \`${name}\` |`);
    for (const name of Object.keys(builtins)) expect(language, `config function ${name}`).toMatch(new RegExp(`\`${name}\\(`));
  });

  const tutorial = fences(language).find((f) => f.info === "arch" && f.body.startsWith("# file: tinygpt.arch"))!.body;

  it("has a tutorial model that checks without errors", () => {
    expect(diagnoseFile("tinygpt.arch", { text: tutorial }).text).toBe("");
  });

  it("shows the tutorial's print output as archc prints it", () => {
    const ws = loadWorkspace(["tinygpt.arch"], { includeZoo: false, texts: new Map([[join(process.cwd(), "tinygpt.arch"), tutorial]]) });
    const printed = printModuleTree(modelFor(ws.archs.get("TinyGPT")!, "tiny").root);
    expect(fences(language).some((f) => f.info === "text" && f.body === `${printed}\n`)).toBe(true);
  });

  it("shows the tutorial's mistake as archc reports it", () => {
    const broken = tutorial.replace("down: Linear(4 * d, d)", "down: Linear(d, d)");
    expect(broken).not.toBe(tutorial);
    const { text } = diagnoseFile("tinygpt.arch", { text: broken });
    expect(fences(language).some((f) => f.info === "text" && f.body === text)).toBe(true);
  });
});

describe("docs/diagnostics.md", () => {
  it("explains exactly the codes of the catalogue, with their titles", () => {
    const documented = [...diagnostics.matchAll(/^\*\*([EW]\d{4}) — (.+?)\.\*\*/gm)].map((m) => [m[1]!, m[2]!]);
    expect(documented).toEqual(Object.entries(catalogue));
  });
});
