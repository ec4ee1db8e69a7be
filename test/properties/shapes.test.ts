// For every family in models/: random configurations within the `require`s check, run, and
// produce exactly the shape the checker inferred; a configuration is rejected with E0202,
// pointing at a requirement, exactly when one of its requirements is false. Seeded
// (ARCHC_SEED overrides); fast-check shrinks a failure to a minimal configuration.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { checkWorkspace, configFor } from "../../src/compiler/pipeline.js";
import { exprText } from "../../src/compiler/ast/expr-text.js";
import { requirementTruths } from "./requirement-truths.js";
import { archFromZoo, arbAnyConfig, arbConfig, arbInputs, inferredOutputShape, runModel, satisfies } from "../../src/testing/properties.js";

const ws = loadWorkspace([]);
const broken = new Set(checkWorkspace(ws).filter((d) => d.severity === "error").map((d) => d.span?.file));
const families = [...ws.archs.values()].filter((a) => a.presets.has("tiny") && !broken.has(a.file)).map((a) => a.name);
const seed = Number(process.env.ARCHC_SEED ?? 20261129);

describe.each(families)("%s", (name) => {
  const a = archFromZoo(name);

  // Configurations other than the tiny preset itself (it runs in every other test).
  const tiny = JSON.stringify(Object.fromEntries(configFor(a.arch, "tiny").values));
  const varied = arbConfig(a, { base: "tiny" }).filter((c) => JSON.stringify(Object.fromEntries(configFor(a.arch, undefined, c).values)) !== tiny);

  it("random valid configs run, and the output has the inferred shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        varied.chain((config) => arbInputs(a, config).map((inputs) => ({ config, inputs }))),
        async ({ config, inputs }) => {
          const { output } = await runModel(a, config, inputs);
          expect(output.shape).toEqual(inferredOutputShape(a, config, inputs));
          expect(output.data.every(Number.isFinite)).toBe(true);
        },
      ),
      { seed, numRuns: 3, endOnFailure: true },
    );
  });

  it("a config is rejected at a requirement exactly when that requirement is false", () => {
    fc.assert(
      fc.property(arbAnyConfig(a), (config) => {
        const diags = satisfies(a, config);
        if (diags.some((d) => d.code !== "E0202")) return; // a type or value error comes first
        const values = Object.fromEntries(configFor(a.arch, undefined, config).values);
        // Each requirement's truth from its hand-written predicate, not from archc's evaluator.
        const failing = a.arch.requires.filter((r) => {
          const truth = requirementTruths[exprText(r.cond)];
          if (!truth) throw new Error(`no hand-written predicate for \`require ${exprText(r.cond)}\` (${name}): add it to requirement-truths.ts`);
          return !truth(values);
        });
        const reported = diags.filter((d) => d.code === "E0202").map((d) => d.span?.offset);
        expect(reported.sort()).toEqual(failing.map((r) => r.cond.span.offset).sort());
      }),
      { seed, numRuns: 25 },
    );
  });
});
