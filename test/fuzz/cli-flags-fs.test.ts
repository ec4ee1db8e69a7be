// The command line, the file system and checkpoint folders as fuzz inputs (issue 18): random
// argv for every command, inputs and outputs of every kind a path can name, and checkpoint
// folders with files replaced or holding hostile values (test/fuzz/cli-cases.ts). archc exits
// 0, 1 or 2 (0 or 1 for file and checkpoint cases) with no internal error and no stack trace;
// an unknown option is always exit 2; fmt never damages a file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { arbCheckpointDamage, arbFlagCase, arbFsCase, runCheckpointCase, runFlagCase, runFsCase } from "./cli-cases.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const scale = Number(process.env.ARCHC_FUZZ_SCALE ?? 1);
const tmp = mkdtempSync(join(tmpdir(), "archc-fuzz-flags-fs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let k = 0;

describe("archc under command-line, file-system and checkpoint mutations", () => {
  it("random command lines", async () => {
    await fc.assert(
      fc.asyncProperty(arbFlagCase, async (c) => {
        const failure = await runFlagCase(c, tmp);
        expect(failure).toBeUndefined();
      }),
      { seed, numRuns: Math.round(30 * scale), endOnFailure: true },
    );
  }, 600_000);

  it("inputs and outputs of every kind", async () => {
    await fc.assert(
      fc.asyncProperty(arbFsCase, async (c) => {
        const failure = await runFsCase(c, join(tmp, `fs${k++}`));
        expect(failure).toBeUndefined();
      }),
      { seed, numRuns: Math.round(40 * scale), endOnFailure: true },
    );
  }, 600_000);

  it("damaged checkpoint folders", async () => {
    await fc.assert(
      fc.asyncProperty(arbCheckpointDamage, fc.constantFrom("verify" as const, "run" as const), async (d, cmd) => {
        const failure = await runCheckpointCase(d, join(tmp, `ck${k++}`), cmd);
        expect(failure).toBeUndefined();
      }),
      { seed, numRuns: Math.round(8 * scale), endOnFailure: true },
    );
  }, 600_000);
});
