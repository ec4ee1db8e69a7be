// The command line on damaged files: every command that reads an .arch file exits 0 or 1
// (never 70, an internal error) and prints no stack trace, whatever the file holds.
// Each case is a zoo file with random token-level damage (including names renamed to
// identifiers that have broken generated code), written to a temporary folder under a
// renamed architecture (so it extends the zoo without clashing with it); a module that
// compile writes must load.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { instantiate } from "../../src/compiler/codegen/load.js";
import { ConfigError } from "../../src/runtime/index.js";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { archc } from "../cli/capture.js";
import { arbMutatedFile, describeCase, mutate } from "./mutations.js";

const seed = Number(process.env.ARCHC_SEED ?? 20261129);
const scale = Number(process.env.ARCHC_FUZZ_SCALE ?? 1);
const tmp = mkdtempSync(join(tmpdir(), "archc-fuzz-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A command line per case, over the file at `f` (`zoo` is the undamaged original).
const commands: ((f: string, zoo: string, out: string) => string[])[] = [
  (f) => ["check", f],
  (f) => ["check", f, "--json"],
  (f) => ["print", f],
  (f) => ["print", `${f}:tiny`],
  (f) => ["stats", f, "--json"],
  (f) => ["fmt", f, "--stdout"],
  (f, _z, out) => ["draw", f, "-o", `${out}.svg`],
  (f, zoo) => ["diff", zoo, f],
  (f, _z, out) => ["compile", f, "-o", out],
];

let counter = 0;

describe("archc on damaged .arch files", () => {
  it("exits 0 or 1 with no internal error and no stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(arbMutatedFile(), fc.nat({ max: commands.length - 1 }), async (mf, which) => {
        // Renamed so the copy does not define the zoo's architectures a second time.
        const text = mutate(mf).replace(/\barch(\s+)([A-Za-z_]\w*)/g, "arch$1$2Fuzz");
        const f = join(tmp, `case${counter++}-${basename(mf.file)}`);
        writeFileSync(f, text);
        const argv = commands[which]!(f, mf.file, join(tmp, `out${counter}`));
        const r = await archc(...argv);
        const where = `archc ${argv.join(" ")} on ${describeCase(mf)}\n${r.err.slice(0, 2000)}`;
        expect([0, 1], where).toContain(r.code);
        expect(r.err + r.out, where).not.toMatch(/internal error/);
        expect(r.err + r.out, where).not.toMatch(/\n\s+at .+:\d+:\d+/);
        // What compile wrote loads, and configures at its defaults (or names a broken require).
        if (argv[0] === "compile" && r.code === 0) {
          const out = argv[argv.length - 1]!;
          for (const m of readdirSync(out)) {
            const mod = instantiate(readFileSync(join(out, m), "utf8"));
            try {
              mod.configure({});
            } catch (e) {
              expect(e, `${where}\n${m}`).toBeInstanceOf(ConfigError);
            }
          }
        }
      }),
      { seed, numRuns: Math.round(36 * scale), endOnFailure: true },
    );
  }, 600_000);
});
