// Golden diagnostics: every test/check/cases/NAME.arch is checked the way `archc check` does
// it, and the rendered output must equal NAME.errors.txt byte for byte (TypeScript-style
// baselines). The baselines are the specification of archc's messages: review a change to
// one as you would a change to the compiler. `UPDATE_BASELINES=1 npx vitest run test/check`
// rewrites them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../src/compiler/diagnostics/catalogue.js";
import { archc } from "../cli/capture.js";
import { diagnoseFile } from "./diagnose.js";

const casesDir = join(__dirname, "cases");
const cases = readdirSync(casesDir).filter((f) => f.endsWith(".arch")).sort();
const update = process.env.UPDATE_BASELINES === "1";
const baselineOf = (c: string) => join(casesDir, c.replace(/\.arch$/, ".errors.txt"));
const shown = (c: string) => relative(process.cwd(), join(casesDir, c));

describe("diagnostic baselines", () => {
  for (const c of cases) {
    it(c, () => {
      const { text } = diagnoseFile(shown(c));
      if (update) writeFileSync(baselineOf(c), text);
      expect(existsSync(baselineOf(c)), `${baselineOf(c)} is missing: run UPDATE_BASELINES=1 npx vitest run test/check, then review it`).toBe(true);
      expect(text).toBe(readFileSync(baselineOf(c), "utf8"));
    });
  }

  it("cover at least 15 distinct error codes, all from the catalogue", () => {
    const codes = new Set<string>();
    for (const c of cases) for (const m of readFileSync(baselineOf(c), "utf8").matchAll(/error\[(E\d{4})\]/g)) codes.add(m[1]!);
    for (const code of codes) expect(Object.keys(catalogue)).toContain(code);
    expect(codes.size).toBeGreaterThanOrEqual(15);
  });

  it("every case has errors, and every baseline has its case", () => {
    for (const c of cases) expect(readFileSync(baselineOf(c), "utf8"), c).toMatch(/error\[E\d{4}\]/);
    const orphans = readdirSync(casesDir).filter((f) => f.endsWith(".errors.txt") && !cases.includes(f.replace(/\.errors\.txt$/, ".arch")));
    expect(orphans).toEqual([]);
  });
});

// The baselines come from the library; `archc check` must print exactly the same, exit 1 and
// show no stack trace.
describe("archc check prints the baselines", () => {
  for (const c of ["syntax-errors.arch", "shape-matmul.arch", "inheritance.arch"]) {
    it(c, async () => {
      const { code, out, err } = await archc("check", shown(c));
      expect(code).toBe(1);
      expect(out).toBe("");
      expect(err).toBe(readFileSync(baselineOf(c), "utf8"));
      expect(err).not.toMatch(/internal error|\n\s+at /);
    });
  }
});
