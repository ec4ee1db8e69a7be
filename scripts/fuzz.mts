// Long fuzzing runs of the compiler front end (docs/reliability.md):
//
//   npx tsx scripts/fuzz.mts [--runs N] [--seed S] [--kind mutations|tokens|all|flags|files|checkpoints|cli] [--budget MS] [--from I]
//
// Each case is a zoo file with random token-level damage, or random token soup, checked the
// way `archc check` does; or (kinds flags, files, checkpoints; `cli` mixes them) a random
// command line, a path naming a folder, FIFO, link or non-UTF-8 file, or a damaged
// checkpoint folder, run through the whole CLI (test/fuzz/cli-cases.ts). Case i of a run is fully determined by (seed, i): a failure prints
// both, and `--seed S --only i` replays exactly that case. The cases run in a child process
// (same loader flags) so that a case that hangs is reported (and the run stopped) instead of waiting forever.
import fc from "fast-check";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { arbMutatedFile, arbTokenStream, describeCase, mutate, type MutatedFile } from "../test/fuzz/mutations.js";
import { checkSource, failure, BUDGET_MS } from "../test/fuzz/harness.js";
import { arbCheckpointDamage, arbFlagCase, arbFsCase, runCheckpointCase, runFlagCase, runFsCase, type CheckpointDamage, type FlagCase, type FsCase } from "../test/fuzz/cli-cases.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Options {
  runs: number;
  seed: number;
  kind: "mutations" | "tokens" | "all" | "flags" | "files" | "checkpoints" | "cli";
  budget: number;
  only?: number;
  from: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const kind = (get("kind") ?? "all") as Options["kind"];
  if (!["mutations", "tokens", "all", "flags", "files", "checkpoints", "cli"].includes(kind)) throw new Error(`--kind must be mutations, tokens, all, flags, files, checkpoints or cli, not ${kind}`);
  const only = get("only");
  return {
    runs: Number(get("runs") ?? 5000),
    seed: Number(get("seed") ?? Date.now() % 2 ** 31),
    kind,
    budget: Number(get("budget") ?? BUDGET_MS),
    from: Number(get("from") ?? 0),
    ...(only !== undefined ? { only: Number(only) } : {}),
  };
}

type Case =
  | { kind: "mutations"; mf: MutatedFile }
  | { kind: "tokens"; text: string }
  | { kind: "flags"; c: FlagCase }
  | { kind: "files"; c: FsCase }
  | { kind: "checkpoints"; c: CheckpointDamage; command: "verify" | "run" };

/** Case i of a run: sampled from its own seed, so any one case can be replayed alone. */
function caseAt(o: Options, i: number): Case {
  const kind = o.kind === "all" ? (i % 4 === 3 ? "tokens" : "mutations") : o.kind === "cli" ? (["flags", "files", "flags", "checkpoints"] as const)[i % 4]! : o.kind;
  const seed = (o.seed + i * 7919) | 0;
  const one = <T,>(a: fc.Arbitrary<T>): T => fc.sample(a, { seed, numRuns: 1 })[0]!;
  if (kind === "tokens") return { kind, text: one(arbTokenStream) };
  if (kind === "flags") return { kind, c: one(arbFlagCase) };
  if (kind === "files") return { kind, c: one(arbFsCase) };
  if (kind === "checkpoints") return { kind, c: one(arbCheckpointDamage), command: seed % 2 ? "run" : "verify" };
  return { kind, mf: one(arbMutatedFile()) };
}

function describe(c: Case): string {
  if (c.kind === "tokens") return `token soup ${JSON.stringify(c.text).slice(0, 300)}`;
  if (c.kind === "mutations") return describeCase(c.mf);
  return `${c.kind} ${JSON.stringify(c.c)}${c.kind === "checkpoints" ? ` (${c.command})` : ""}`;
}

const scratch = mkdtempSync(join(tmpdir(), "archc-fuzz-"));

/** Runs one case: its CPU time and why it failed, if it did. */
async function runCase(c: Case, i: number, budget: number): Promise<{ ms: number; failure?: string }> {
  if (c.kind === "tokens" || c.kind === "mutations") {
    const outcome = c.kind === "tokens" ? checkSource("fuzz.arch", c.text) : checkSource(c.mf.file, mutate(c.mf));
    const f = outcome.ms > budget ? `took ${outcome.ms.toFixed(0)} ms (budget ${budget} ms)` : failure({ ...outcome, ms: 0 });
    return { ms: outcome.ms, ...(f ? { failure: f } : {}) };
  }
  const c0 = process.cpuUsage();
  const dir = join(scratch, `case${i}`);
  const f = c.kind === "flags" ? await runFlagCase(c.c, scratch) : c.kind === "files" ? await runFsCase(c.c, dir) : await runCheckpointCase(c.c, dir, c.command);
  rmSync(dir, { recursive: true, force: true });
  const u = process.cpuUsage(c0);
  return { ms: (u.user + u.system) / 1000, ...(f ? { failure: f } : {}) };
}

type Message = { start: number } | { done: number; ms: number; failure?: string };

async function runWorker(o: Options): Promise<void> {
  const first = o.only ?? o.from;
  const last = o.only !== undefined ? o.only + 1 : o.runs;
  for (let i = first; i < last; i++) {
    const c = caseAt(o, i);
    process.send!({ start: i } satisfies Message);
    const r = await runCase(c, i, o.budget);
    process.send!({ done: i, ms: r.ms, ...(r.failure ? { failure: r.failure } : {}) } satisfies Message);
  }
  rmSync(scratch, { recursive: true, force: true });
  process.disconnect();
}

function runMain(o: Options): void {
  const n = o.only !== undefined ? 1 : o.runs - o.from;
  console.log(`fuzz: ${n} case(s), kind ${o.kind}, seed ${o.seed}, budget ${o.budget} ms per case`);
  // The worker is this same file in a child process, under the same (tsx) loader flags.
  const worker = fork(fileURLToPath(import.meta.url), ["--worker", JSON.stringify(o)], { execArgv: process.execArgv });
  let current = -1;
  let startedAt = 0;
  let failures = 0;
  let done = 0;
  let worst = 0;
  let hung = false;
  const t0 = performance.now();
  const report = (i: number, why: string) => {
    failures++;
    console.log(`\nFAIL case ${i} (replay: npx tsx scripts/fuzz.mts --seed ${o.seed} --kind ${o.kind} --only ${i})\n  ${describe(caseAt(o, i))}\n  ${why.replace(/\n/g, "\n  ")}`);
  };
  // A case that never finishes cannot report itself: the main thread notices and stops it.
  const watchdog = setInterval(() => {
    if (current >= 0 && performance.now() - startedAt > Math.max(10 * o.budget, 20_000)) {
      hung = true;
      report(current, `hung: no result after ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
      worker.kill("SIGKILL");
    }
  }, 1000);
  worker.on("message", (m: Message) => {
    if ("start" in m) {
      current = m.start;
      startedAt = performance.now();
      return;
    }
    current = -1;
    done++;
    worst = Math.max(worst, m.ms);
    if (m.failure) report(m.done, m.failure);
    if (done % 500 === 0) process.stderr.write(`  ${done}/${n} cases, ${failures} failure(s)\n`);
  });
  worker.on("error", (e) => {
    if (current >= 0) report(current, `worker died: ${e.message}`);
    else {
      failures++;
      console.log(`\nthe worker failed before any case: ${e.message}`);
    }
  });
  worker.on("exit", (code, signal) => {
    clearInterval(watchdog);
    // A crash of the process itself (stack or heap exhausted): the case it was running.
    if (current >= 0 && !hung) report(current, `the process died (exit code ${code}, signal ${signal})`);
    console.log(`\n${done} case(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest ${worst.toFixed(0)} ms, ${failures} failure(s)`);
    process.exitCode = failures ? 1 : 0;
  });
}

const w = process.argv.indexOf("--worker");
if (w >= 0) await runWorker(JSON.parse(process.argv[w + 1]!) as Options);
else runMain(parseOptions(process.argv.slice(2)));
