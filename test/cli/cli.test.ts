// The CLI contract (DESIGN.md): diagnostics as `file:line:col: error[CODE]: message`, a stable
// `--json` shape, exit 1 on any error in the input, 2 on a malformed command line, and never
// a stack trace for a user's mistake.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommands } from "../../src/cli/commands/index.js";
import { archc } from "./capture.js";
import { tinyArch } from "./tiny-arch.js";

const commands = await loadCommands();

const caseFile = (name: string) => relative(process.cwd(), join(__dirname, "../check/cases", name));
const tmp = mkdtempSync(join(tmpdir(), "archc-cli-"));
const good = join(tmp, "good.arch");
writeFileSync(good, tinyArch("CliGood"));

const noStackTrace = (s: string) => {
  expect(s).not.toMatch(/internal error/);
  expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);
};

describe("archc check", () => {
  it("prints ok and exits 0 for a clean file", async () => {
    const r = await archc("check", good);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe("ok: 1 file, 1 architecture checked\n");
  });

  it("prints file:line:col: error[CODE]: message and exits 1", async () => {
    const r = await archc("check", caseFile("shape-add.arch"));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err.split("\n")[0]).toBe(`${caseFile("shape-add.arch")}:11:14: error[E0301]: shape mismatch: dimension 2 of \`x + h\``);
    noStackTrace(r.err);
  });

  it("--json prints {files, diagnostics} with every field of a diagnostic", async () => {
    const r = await archc("check", caseFile("shape-linear.arch"), "--json");
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const json = JSON.parse(r.out);
    expect(Object.keys(json).sort()).toEqual(["diagnostics", "files"]);
    expect(json.files).toEqual([caseFile("shape-linear.arch")]);
    expect(json.diagnostics[0]).toEqual({
      code: "E0303",
      severity: "error",
      message: "shape mismatch: input features of `down` = Linear(d, ffn)",
      file: caseFile("shape-linear.arch"),
      line: 11,
      col: 19,
      length: 5,
      expected: "d = 64 in the defaults",
      found: "ffn = 256 in the defaults",
      hint: "a linear layer's input features must equal the last dimension of its input",
      notes: [{ message: "the input `up(x)` has shape [B, T, ffn]" }],
    });
    for (const d of json.diagnostics) {
      for (const k of Object.keys(d)) expect(["code", "severity", "message", "file", "line", "col", "length", "expected", "found", "hint", "notes"]).toContain(k);
      expect(d.code).toMatch(/^[EW]\d{4}$/);
    }
  });

  it("--json of a clean file has no diagnostics and exits 0", async () => {
    const r = await archc("check", good, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ files: [good.startsWith(process.cwd()) ? relative(process.cwd(), good) : good], diagnostics: [] });
  });

  it("a notes' location is in the JSON too", async () => {
    const r = await archc("check", caseFile("duplicates.arch"), "--json");
    const d = JSON.parse(r.out).diagnostics[0];
    expect(d.notes).toEqual([{ message: "first defined here", file: caseFile("duplicates.arch"), line: 3, col: 9 }]);
  });
});

describe("user errors exit 1 (2 for a malformed command line), never with a stack trace", () => {
  const missing = join(tmp, "does-not-exist.arch");
  const runs: [string, string[], number][] = [
    ["check a missing file", ["check", missing], 1],
    ["print a file with errors", ["print", caseFile("shape-add.arch")], 1],
    ["print an unknown preset", ["print", good, "--preset", "nope"], 1],
    ["stats of a file with errors", ["stats", caseFile("require-preset.arch")], 1],
    ["compile a file with errors", ["compile", caseFile("shape-add.arch"), "-o", join(tmp, "out")], 1],
    ["run a folder without config.json", ["run", tmp], 1],
    ["verify a folder that is not a case", ["verify", tmp], 1],
    ["import a missing config.json", ["import", join(tmp, "config.json")], 1],
    ["an unknown command", ["frobnicate"], 2],
    ["compile without -o", ["compile", good], 2],
    ["an option without its value", ["print", good, "--preset"], 2],
  ];
  for (const [what, argv, code] of runs) {
    it(what, async () => {
      const r = await archc(...argv);
      expect(r.code, r.err).toBe(code);
      expect(r.err.length).toBeGreaterThan(0);
      noStackTrace(r.err + r.out);
    });
  }

  it("--json turns diagnostics of any command into {diagnostics}", async () => {
    const r = await archc("stats", caseFile("require-preset.arch"), "--json");
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual(["E0202", "E0202"]);
  });

  // Every command given a path that does not exist fails cleanly (zoo and bench take no file).
  for (const name of Object.keys(commands).filter((c) => c !== "zoo")) {
    it(`${name} with a missing path`, async () => {
      const r = await archc(name, missing, "-o", join(tmp, `out-${name}`));
      expect([1, 2], `${name}: ${r.err}`).toContain(r.code);
      noStackTrace(r.err + r.out);
    });
  }
});

// The zoo is what newcomers copy: it is in the canonical layout `archc fmt` writes.
describe("archc fmt --check on the zoo", () => {
  it("every file in models/ is formatted", async () => {
    const { code, out, err } = await archc("fmt", "--check");
    expect(out + err).toBe("");
    expect(code).toBe(0);
  });
});

// A new .arch is compared with Hugging Face without a throwaway preset: the commands that take a
// model also take a config.json or a checkpoint folder, and verify runs a case on a given file.
describe("models from a config.json or checkpoint folder; verify --arch", () => {
  const conformance = join(__dirname, "../../../shared/conformance");
  const llama = join(conformance, "llama-tiny");
  const meta = (c: string) => JSON.parse(readFileSync(join(conformance, c, "meta.json"), "utf8")) as { num_parameters: number; hf_class: string };

  it("stats of a checkpoint folder and of its config.json count what transformers counted", async () => {
    for (const spec of [llama, join(llama, "config.json")]) {
      const { code, out } = await archc("stats", spec, "--json");
      expect(code).toBe(0);
      expect((JSON.parse(out) as { params: number }).params).toBe(meta("llama-tiny").num_parameters);
    }
  });
  it("print and draw build the config's root class; diff compares two checkpoints", async () => {
    const p = await archc("print", llama);
    expect(p.out.split("\n")[0]).toBe(`${meta("llama-tiny").hf_class}(`);
    const d = await archc("diff", llama, join(conformance, "mistral-tiny"), "--json");
    expect(d.code).toBe(0);
    expect(d.out).toContain("window");
    const svg = join(mkdtempSync(join(tmpdir(), "archc-draw-")), "m.svg");
    expect((await archc("draw", llama, "-o", svg)).code).toBe(0);
  });
  it("verify --arch FILE runs the case on that file's architecture", async () => {
    const ok = await archc("verify", llama, "--arch", "models/llama.arch", "--json");
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { pass: boolean }).pass).toBe(true);
    const other = await archc("verify", llama, "--arch", "models/gpt2.arch");
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/E0501.*model_type "llama"/);
  });
});

describe("archc stats --context", () => {
  it("counts attention's FLOPs at the given position and says which", async () => {
    const at = async (...extra: string[]) => {
      const r = await archc("stats", "--preset", "Mistral-7B-v0.1", "--json", ...extra);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { flopsPerToken: number; context: number };
    };
    const [one, two] = [await at("--context", "1000"), await at("--context", "2000")];
    expect([one.context, two.context]).toEqual([1000, 2000]);
    // 1000 more keys in each of 32 layers: 2 · 32 heads · 1000 · (128 + 128).
    expect(two.flopsPerToken - one.flopsPerToken).toBe(32 * 2 * 32 * 1000 * 256);
    expect((await at()).context).toBe(2048);
  });

  it("a context that is no position is a command-line error", async () => {
    for (const bad of ["0", "-3", "x"]) {
      const r = await archc("stats", "--preset", "Mistral-7B-v0.1", "--context", bad);
      expect(r.code, bad).toBe(2);
      noStackTrace(r.err + r.out);
    }
  });
});
