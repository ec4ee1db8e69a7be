// Command lines and file systems as fuzz cases (issue 18): random argv for every command
// (real, misspelt and unknown options; flags given values; numbers in hex, exponent, empty,
// negative or huge form; extra arguments), and inputs that are not what a command expects
// (folders, FIFOs, dangling and chained symlinks, hard links, non-UTF-8 bytes, CR or CRLF
// line endings, empty files, a file where an output folder belongs; checkpoint files
// replaced by such things, configs holding hostile values, shard maps naming folders).
// Whatever the case, archc exits 0, 1 or 2 with no internal error and no stack trace, never
// hangs, and `fmt` leaves a file it did not format byte for byte as it was, and one it did
// format with its links, mode and owner.
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadCommands } from "../../src/cli/commands/index.js";
import { archc, type CliRun } from "../cli/capture.js";
import { tinyArch } from "../cli/tiny-arch.js";

const commands = await loadCommands();

const conformance = fileURLToPath(new URL("../../../shared/conformance", import.meta.url));
const tinyModel = tinyArch("FuzzTiny");

// ---- command-line flags

/** Option values that have been misread: hex, exponents, blanks, signs, huge and non-numbers. */
const values = ["0", "1", "2", "3", "-1", "0x10", "1e2", "1e9", "", " 5", "+3", "1.5", "NaN", "Infinity", "99999999999999999999", "tiny", "8G", "1,2", "1,,2", "0,1"];
/** Misspellings of real options (a dropped, doubled or swapped letter). */
const misspell = (o: string, k: number): string => {
  const i = k % o.length;
  return k % 3 === 0 ? o.slice(0, i) + o.slice(i + 1) : k % 3 === 1 ? o.slice(0, i) + o[i] + o.slice(i) : o.slice(0, i) + (o[i + 1] ?? "") + o[i] + o.slice(i + 2);
};

export interface FlagCase {
  command: string;
  argv: string[];
}

/** Options each command takes (their names are read from the command table, not repeated here). */
const optionsOf = (c: string) => [...commands[c]!.options, ...commands[c]!.flags, "json"];

/** Commands whose valid runs stay fast on the tiny model or conformance case (bench spawns processes: flags only). */
const target = (c: string) => (["run", "verify", "bench"].includes(c) ? join(conformance, "llama-tiny") : c === "import" ? join(conformance, "llama-tiny", "config.json") : "MODEL");

export const arbFlagCase: fc.Arbitrary<FlagCase> = fc
  .constantFrom(...Object.keys(commands).filter((c) => c !== "zoo" && c !== "report" && c !== "table"))
  .chain((command) =>
    fc
      .array(
        fc.oneof(
          { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...optionsOf(command)), fc.constantFrom(...values), fc.boolean()).map(([o, v, eq]) => (commands[command]!.options.includes(o) ? (eq ? [`--${o}=${v}`] : [`--${o}`, v]) : eq ? [`--${o}=${v}`] : [`--${o}`])) },
          { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...optionsOf(command)), fc.nat(), fc.constantFrom(...values)).map(([o, k, v]) => [`--${misspell(o, k)}`, v]) },
          { weight: 1, arbitrary: fc.constantFrom(["--bogus"], ["-x"], ["--"], ["extra"], ["-o"], ["--=1"], ["---json"], ["-"]) },
        ),
        { maxLength: 4 },
      )
      .map((parts) => ({ command, argv: [command, target(command), ...parts.flat()] })),
  );

/** The first token of an argv (after the command and its target) that is no option of the command. */
function unknownOption(command: string, args: string[]): string | undefined {
  const end = args.indexOf("--");
  const options = end < 0 ? args : args.slice(0, end);
  return options.find((a) => {
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) return false;
    const name = a === "-o" ? "out" : a === "-h" ? "help" : a.startsWith("--") ? a.slice(2).split("=")[0]! : a;
    return !optionsOf(command).includes(name) && name !== "help";
  });
}

/** A case that would do real work for long: bench measures in child processes; generation may be long. */
function expensive(c: FlagCase): boolean {
  if (c.command === "bench") return unknownOption(c.command, c.argv.slice(2)) === undefined;
  const gen = c.argv.findIndex((a) => a === "--generate" || a.startsWith("--generate="));
  if (gen < 0) return false;
  const v = c.argv[gen]!.includes("=") ? c.argv[gen]!.split("=")[1]! : c.argv[gen + 1];
  return /^\d+$/.test(v ?? "") && Number(v) > 8;
}

// ---- file systems

export type FsKind = "file" | "folder" | "fifo" | "symlink" | "dangling" | "loop" | "hardlink" | "latin1" | "cr" | "crlf" | "empty" | "bom" | "mode";
export const fsKinds: FsKind[] = ["file", "folder", "fifo", "symlink", "dangling", "loop", "hardlink", "latin1", "cr", "crlf", "empty", "bom", "mode"];

export interface FsCase {
  input: FsKind;
  /** Where -o points: a new folder, an existing file, a path under a file, a symlink to a folder. */
  output: "new" | "file" | "under-file" | "symlink";
  command: "check" | "fmt" | "fmt-check" | "compile" | "print" | "stats" | "draw";
  /** Extra spaces, so that fmt has something to do. */
  messy: boolean;
}

export const arbFsCase: fc.Arbitrary<FsCase> = fc.record({
  input: fc.constantFrom(...fsKinds),
  output: fc.constantFrom("new", "file", "under-file", "symlink"),
  command: fc.constantFrom("check", "fmt", "fmt-check", "compile", "print", "stats", "draw"),
  messy: fc.boolean(),
});

/** Builds the case's input in `dir`; returns the path to pass and the file behind it (for fmt's checks). */
function makeInput(dir: string, c: FsCase): { path: string; real?: string } {
  const text = c.messy ? tinyModel.replace("arch FuzzTiny", "arch   FuzzTiny").replace("d = 4", "d  =  4") : tinyModel;
  const real = join(dir, "real.arch");
  const path = join(dir, "input.arch");
  switch (c.input) {
    case "file":
      writeFileSync(path, text);
      return { path, real: path };
    case "folder":
      mkdirSync(path);
      return { path };
    case "fifo":
      execFileSync("mkfifo", [path]);
      return { path };
    case "symlink":
      writeFileSync(real, text);
      symlinkSync(real, path);
      return { path, real };
    case "dangling":
      symlinkSync(join(dir, "nowhere.arch"), path);
      return { path };
    case "loop":
      symlinkSync(path, path);
      return { path };
    case "hardlink":
      writeFileSync(real, text);
      linkSync(real, path);
      return { path, real };
    case "latin1":
      writeFileSync(path, Buffer.concat([Buffer.from(`# caf`), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from(`\n${text}`)]));
      return { path, real: path };
    case "cr":
      writeFileSync(path, `# a comment\r${text.replace(/\n/g, "\r")}`);
      return { path, real: path };
    case "crlf":
      writeFileSync(path, `# a comment\r\n${text.replace(/\n/g, "\r\n")}`);
      return { path, real: path };
    case "empty":
      writeFileSync(path, "");
      return { path, real: path };
    case "bom":
      writeFileSync(path, `\uFEFF${text}`);
      return { path, real: path };
    case "mode":
      writeFileSync(path, text);
      chmodSync(path, 0o604);
      return { path, real: path };
  }
}

function makeOutput(dir: string, c: FsCase): string {
  const out = join(dir, "out");
  if (c.output === "file") writeFileSync(out, "not a folder");
  if (c.output === "under-file") {
    writeFileSync(out, "not a folder");
    return join(out, "sub");
  }
  if (c.output === "symlink") {
    mkdirSync(join(dir, "real-out"));
    symlinkSync(join(dir, "real-out"), out);
  }
  return out;
}

function fsArgv(c: FsCase, input: string, out: string): string[] {
  switch (c.command) {
    case "fmt-check":
      return ["fmt", input, "--check"];
    case "compile":
      return ["compile", input, "-o", out];
    case "draw":
      return ["draw", input, "-o", `${out}.svg`];
    default:
      return [c.command, input];
  }
}

// ---- running a case

/** Why a run broke the contract, or undefined. */
export function contractFailure(r: CliRun, allowed: number[] = [0, 1, 2]): string | undefined {
  if (!allowed.includes(r.code)) return `exit code ${r.code}`;
  if (/internal error/.test(r.err + r.out)) return "internal error";
  if (/\n\s+at .+:\d+:\d+/.test(r.err + r.out)) return "stack trace";
  return undefined;
}

export async function runFlagCase(c: FlagCase, tmp: string): Promise<string | undefined> {
  if (expensive(c)) return undefined;
  const model = join(tmp, "flags.arch");
  writeFileSync(model, tinyModel);
  // Outputs (-o, --out) go to the scratch folder, whatever value the case gave.
  const scratch = (v: string) => join(tmp, `o${v.replace(/\W/g, "") || "x"}`);
  const argv = c.argv
    .map((a) => (a === "MODEL" ? model : a))
    .map((a, i, xs) => (xs[i - 1] === "-o" || xs[i - 1] === "--out" ? scratch(a) : /^(-o|--out)=/.test(a) ? `${a.split("=")[0]}=${scratch(a.slice(a.indexOf("=") + 1))}` : a));
  const r = await archc(...argv);
  const shown = `archc ${argv.map((a) => JSON.stringify(a)).join(" ")}`;
  const bad = contractFailure(r);
  if (bad) return `${bad}: ${shown}\n${(r.err + r.out).slice(0, 1500)}`;
  const unknown = unknownOption(c.command, argv.slice(2));
  if (unknown && !argv.includes("--help") && r.code !== 2) return `unknown option ${unknown} was accepted (exit ${r.code}): ${shown}`;
  return undefined;
}

export async function runFsCase(c: FsCase, dir: string): Promise<string | undefined> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { path, real } = makeInput(dir, c);
  const out = makeOutput(dir, c);
  const before = real ? { bytes: readFileSync(real), st: statSync(real), link: lstatSync(path).isSymbolicLink() } : undefined;
  const argv = fsArgv(c, path, out);
  const r = await archc(...argv);
  const what = `archc ${argv.join(" ")} on ${JSON.stringify(c)}\n${(r.err + r.out).slice(0, 1500)}`;
  const bad = contractFailure(r, [0, 1]);
  if (bad) return `${bad}: ${what}`;
  if (argv[0] === "fmt" && before && real) {
    const after = readFileSync(real);
    const st = statSync(real);
    if (r.code !== 0 && !after.equals(before.bytes)) return `fmt failed and changed the file: ${what}`;
    if ((st.mode & 0o7777) !== (before.st.mode & 0o7777) || st.uid !== before.st.uid || st.nlink !== before.st.nlink) return `fmt changed mode, owner or links: ${what}`;
    if (before.link !== lstatSync(path).isSymbolicLink()) return `fmt replaced a symlink: ${what}`;
    if (c.input === "cr" && after.includes(0x0a)) return `fmt changed CR line endings: ${what}`;
    if (c.input === "crlf" && /[^\r]\n/.test(after.toString("latin1"))) return `fmt changed CRLF line endings: ${what}`;
  }
  if (argv[0] === "compile" && r.code === 0 && !readdirSync(out).some((f) => f.endsWith(".ts"))) return `compile exited 0 and wrote nothing: ${what}`;
  return undefined;
}

// ---- checkpoint folders

export type CheckpointDamage =
  | { kind: "replace"; file: "config.json" | "model.safetensors" | "inputs.json" | "generate.json"; by: "folder" | "fifo" | "empty" | "garbage" | "dangling" | "missing" }
  | { kind: "config"; key: string; raw: string }
  | { kind: "shards"; value: string }
  | { kind: "generate"; json: string };

const configKeys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps", "rope_theta", "max_position_embeddings", "rope_scaling", "tie_word_embeddings"];
const rawValues = ["-1", "0", "1e999", "1e30", "9007199254740993", "100000000", "1099511627776", "0.5", "\"64\"", "null", "[]", "{}", "{\"type\": \"bogus\", \"factor\": 2}", "true"];

export const arbCheckpointDamage: fc.Arbitrary<CheckpointDamage> = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), file: fc.constantFrom("config.json" as const, "model.safetensors" as const, "inputs.json" as const, "generate.json" as const), by: fc.constantFrom("folder" as const, "fifo" as const, "empty" as const, "garbage" as const, "dangling" as const, "missing" as const) }),
  fc.record({ kind: fc.constant("config" as const), key: fc.constantFrom(...configKeys), raw: fc.constantFrom(...rawValues) }),
  fc.record({ kind: fc.constant("shards" as const), value: fc.constantFrom(".", "sub/", "", "../x", "/etc/passwd", "model.safetensors/", "missing.safetensors") }),
  fc.record({ kind: fc.constant("generate" as const), json: fc.constantFrom("{}", "{\"new_token_ids\":[1,2]}", "{\"prompt_input_ids\":[],\"new_token_ids\":[]}", "{\"prompt_input_ids\":[1],\"new_token_ids\":[1],\"max_new_tokens\":1e9}", "{\"prompt_input_ids\":[-1],\"new_token_ids\":[1]}", "[]", "null") }),
);

export async function runCheckpointCase(d: CheckpointDamage, dir: string, command: "verify" | "run"): Promise<string | undefined> {
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(conformance, "llama-tiny"), dir, { recursive: true });
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  if (d.kind === "replace") {
    const p = join(dir, d.file);
    rmSync(p, { force: true });
    if (d.by === "folder") mkdirSync(p);
    if (d.by === "fifo") execFileSync("mkfifo", [p]);
    if (d.by === "empty") writeFileSync(p, "");
    if (d.by === "garbage") writeFileSync(p, Buffer.from([0xff, 0x00, 0x7b, 0x22, 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05]));
    if (d.by === "dangling") symlinkSync(join(dir, "nowhere"), p);
  } else if (d.kind === "config") {
    const p = join(dir, "config.json");
    const text = readFileSync(p, "utf8");
    const re = new RegExp(`"${d.key}": (\\{[^}]*\\}|[^,}]+)`);
    writeFileSync(p, re.test(text) ? text.replace(re, `"${d.key}": ${d.raw}`) : text.replace(/^\{/, `{"${d.key}": ${d.raw},`));
  } else if (d.kind === "shards") {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { "model.norm.weight": d.value, "lm_head.weight": d.value } }));
    rmSync(join(dir, "model.safetensors"));
  } else writeFileSync(join(dir, "generate.json"), d.json);
  const argv = command === "verify" ? ["verify", dir] : ["run", dir, "--ids", "1,2", "--generate", "2"];
  const r = await archc(...argv);
  const bad = contractFailure(r, [0, 1]);
  return bad ? `${bad}: archc ${argv.join(" ")} after ${JSON.stringify(d)}\n${(r.err + r.out).slice(0, 1500)}` : undefined;
}
