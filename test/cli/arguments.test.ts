// The command line is parsed strictly (issue 18, items 17 and 18): an option a command does
// not take, a flag given a value, a number not plainly written in decimal, or a thread count
// of 0 is exit 2 with the command's usage — never silently ignored or reinterpreted; a
// thread count above the cores is lowered to the cores, with a message.
import { availableParallelism } from "node:os";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommands } from "../../src/cli/commands/index.js";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { threadCounts } from "../../src/cli/threads.js";
import { getThreads } from "../../src/runtime/index.js";
import { archc } from "./capture.js";
import { tinyArch } from "./tiny-arch.js";

const commands = await loadCommands();

const tmp = mkdtempSync(join(tmpdir(), "archc-args-"));
const good = join(tmp, "args.arch");
writeFileSync(good, tinyArch("ArgsGood"));
const llama = "/work/shared/conformance/llama-tiny";

const usageError = (r: { code: number; err: string; out: string }, what: RegExp) => {
  expect(r.code, r.err).toBe(2);
  expect(r.err).toMatch(what);
  expect(r.err).toMatch(/\nusage: archc /);
  expect(r.err + r.out).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
};

describe("unknown options are a command-line error", () => {
  // Every command, before it reads anything: a misspelt option must not be skipped.
  for (const name of Object.keys(commands)) {
    it(`${name} --bogus=1 and ${name} --temprature 0.9`, async () => {
      usageError(await archc(name, good, "--bogus=1"), /unknown option --bogus/);
      usageError(await archc(name, good, "--temprature", "0.9"), /unknown option --temprature/);
      usageError(await archc(name, good, "-x"), /unknown option -x/);
    });
  }

  it("run names the option it did not understand and lists those it takes", async () => {
    const r = await archc("run", llama, "--temprature", "0.9");
    usageError(r, /unknown option --temprature \(this command takes .*--temperature/);
  });

  it("a flag given a value, an option without one, an extra argument", async () => {
    usageError(await archc("check", good, "--json=1"), /--json takes no value/);
    usageError(await archc("print", good, "--preset"), /--preset needs a value/);
    usageError(await archc("compile", good, "other.arch", "-o", tmp), /unexpected argument "other\.arch"/);
  });

  it("--help is answered even next to an unknown option", async () => {
    const r = await archc("run", "--bogus", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: archc run/);
  });

  it("with --json the usage error is JSON on stdout too", async () => {
    const r = await archc("stats", good, "--json", "--bogus");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ error: "UsageError", message: expect.stringMatching(/--bogus/) });
  });

  it("the parser itself: known options, -o, `--` and negative numbers", () => {
    const spec = { flags: new Set(["json"]), options: new Set(["out", "temperature"]) };
    expect(parseArgs(["a", "-o", "d", "--temperature=-1", "--", "--x"], spec)).toEqual({
      positional: ["a", "--x"],
      options: new Map([["out", ["d"]], ["temperature", ["-1"]]]),
    });
    expect(() => parseArgs(["--tempreature", "1"], spec)).toThrow(UsageError);
  });
});

describe("numbers on the command line are plain decimal", () => {
  const cases: [string, string[], RegExp][] = [
    ["--threads 0", ["--threads", "0"], /--threads needs positive integers/],
    ["--threads -2", ["--threads", "-2"], /--threads needs/],
    ["--threads 1.5", ["--threads", "1.5"], /--threads needs/],
    ["--ids 0x10,1e2", ["--ids", "0x10,1e2"], /--ids needs comma-separated token ids in decimal/],
    ["--ids 1,,2", ["--ids", "1,,2"], /--ids needs/],
    ["--generate 1e9", ["--generate", "1e9"], /--generate needs/],
    ["--generate 10000000 (beyond any context)", ["--generate", "10000000"], /--generate needs an integer from 0 to 1000000/],
    ["--top-k 0x3", ["--top-k", "0x3"], /--top-k needs/],
    ["--temperature 0x1", ["--temperature", "0x1"], /--temperature needs/],
    ["--temperature Infinity", ["--temperature", "Infinity"], /--temperature needs/],
    ["--seed ' 5'", ["--seed", " 5"], /--seed needs/],
  ];
  for (const [what, argv, msg] of cases) {
    it(`run ${what}`, async () => usageError(await archc("run", llama, ...argv), msg));
  }
  it("bench --threads 0 and --rounds 0", async () => {
    usageError(await archc("bench", llama, "--threads", "1,0"), /--threads needs positive integers/);
    usageError(await archc("bench", llama, "--rounds", "0"), /--rounds needs an integer from 1/);
  });
});

describe("--threads is bounded by the cores", () => {
  it("a count above the cores is lowered to the cores, with a message", () => {
    const said: string[] = [];
    expect(threadCounts("1,2,1000", (s) => said.push(s), 2)).toEqual([1, 2, 2]);
    expect(said).toEqual(["warning: --threads 1,2,1000: this machine has 2 cores; using at most 2 threads"]);
    expect(threadCounts("2", (s) => said.push(s), 4)).toEqual([2]);
    expect(said).toHaveLength(1);
  });

  it("run --threads 1000 computes on at most the machine's cores", async () => {
    const before = getThreads();
    const r = await archc("run", llama, "--ids", "1,2", "--threads", "1000");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`this machine has ${availableParallelism()} core`));
    expect(getThreads()).toBeLessThanOrEqual(availableParallelism());
    const { setThreads } = await import("../../src/runtime/index.js");
    setThreads(before);
  });
});

describe("--json means JSON", () => {
  it("every command that succeeds with --json prints one JSON document on stdout", async () => {
    const out = join(tmp, "json-out");
    const runs: string[][] = [
      ["check", good],
      ["print", good],
      ["stats", good],
      ["compile", good, "-o", out],
      ["draw", good, "-o", join(tmp, "d.svg")],
      ["fmt", good, "--stdout"],
      ["fmt", good, "--check"],
      ["import", join(llama, "config.json")],
      ["table", good],
      ["diff", good, good],
      ["run", llama, "--ids", "1,2"],
      ["verify", llama],
    ];
    for (const argv of runs) {
      const r = await archc(...argv, "--json");
      expect(r.code, `${argv.join(" ")}: ${r.err}`).toBe(0);
      expect(() => JSON.parse(r.out), `${argv.join(" ")} printed ${r.out.slice(0, 200)}`).not.toThrow();
    }
  }, 120_000);
});
