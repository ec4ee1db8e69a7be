// Nothing is lost when a write fails: `archc compile` (and fmt, draw) write through a
// temporary file and a rename, `archc report` builds its site in a temporary folder and swaps
// it in, and `archc fmt` never rewrites a file it cannot parse. Failures are simulated by
// making node:fs writes fail part way (a full disk) or renames fail.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { writeAtomic } from "../../src/cli/files.js";
import { buildReport } from "../../src/cli/report/site.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { archc } from "./capture.js";
import { tinyArch } from "./tiny-arch.js";

// Which writes (by path) and renames (by "from -> to") fail, switched per test.
const faults = vi.hoisted(() => ({ write: undefined as RegExp | undefined, rename: undefined as RegExp | undefined, pathless: false }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fail = (code: string, path: string) => Object.assign(new Error(`${code}: simulated failure, ${path}`), { code, path });
  const writeFileSync = (path: string, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (faults.write?.test(String(path))) {
      // Half the bytes reach the disk, then it is full.
      const text = typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1");
      fs.writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
      // A real full disk fails in write(2) on an open descriptor: Node's error then has no path.
      if (faults.pathless) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
      throw fail("ENOSPC", String(path));
    }
    return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
  };
  const renameSync = (from: string, to: string) => {
    if (faults.rename?.test(`${String(from)} -> ${String(to)}`)) throw fail("EXDEV", String(to));
    return fs.renameSync(from, to);
  };
  return { ...fs, default: { ...fs, writeFileSync, renameSync }, writeFileSync, renameSync };
});

const dir = mkdtempSync(join(tmpdir(), "archc-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  faults.write = undefined;
  faults.rename = undefined;
  faults.pathless = false;
});

const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes(".tmp-"));

const model = tinyArch("Atomic");

describe("writeAtomic", () => {
  it("a full disk whose error carries no path (as write(2) gives) is exit 1 naming the output file, for compile and fmt", async () => {
    const src = join(dir, "nopath.arch");
    writeFileSync(src, model.replace("arch Atomic", "arch NoPath").replace("d = 4", "d  =  4"));
    const out = join(dir, "out-nopath");
    faults.write = /\.tmp-/;
    faults.pathless = true;
    const r = await archc("compile", src, "-o", out);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toBe(`error: ${join(out, "nopath.ts")}: no space left on the device (ENOSPC)\n`);
    const f = await archc("fmt", src);
    expect(f.code, f.err).toBe(1);
    expect(f.err).toBe(`error: ${src}: no space left on the device (ENOSPC)\n`);
    expect(leftovers(dir)).toEqual([]);
    expect(leftovers(out)).toEqual([]);
  });

  it("temporary files of a killed run are removed by the next write; a live process's are left alone", () => {
    const f = join(dir, "stale.ts");
    // PID 2^22 + 1 is above Linux's pid_max limit: no such process can be running.
    const dead = `${f}.tmp-4194305`;
    const live = `${f}.tmp-${process.ppid}`;
    writeFileSync(dead, "half a mod");
    writeFileSync(live, "being written");
    writeAtomic(f, "the module\n");
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live);
  });

  it("a write that fails part way leaves the old file as it was, and no temporary file", () => {
    const f = join(dir, "module.ts");
    writeFileSync(f, "the old module\n");
    faults.write = /\.tmp-/;
    expect(() => writeAtomic(f, "a new module that is much longer than the old one\n".repeat(100))).toThrow(/ENOSPC/);
    expect(readFileSync(f, "utf8")).toBe("the old module\n");
    expect(leftovers(dir)).toEqual([]);
  });

  it("a rename that fails leaves the old file as it was, and no temporary file", () => {
    const f = join(dir, "module2.ts");
    writeFileSync(f, "the old module\n");
    faults.rename = /-> .*module2\.ts$/;
    expect(() => writeAtomic(f, "new\n")).toThrow(/EXDEV/);
    expect(readFileSync(f, "utf8")).toBe("the old module\n");
    expect(leftovers(dir)).toEqual([]);
  });

  it("archc compile: a failing write is a user-facing error (exit 1), and the old module survives", async () => {
    const src = join(dir, "atomic.arch");
    writeFileSync(src, model);
    const out = join(dir, "out");
    mkdirSync(out, { recursive: true });
    expect((await archc("compile", src, "-o", out)).code).toBe(0);
    const generated = join(out, "atomic.ts");
    const before = readFileSync(generated, "utf8");
    writeFileSync(src, model.replace("d = 4", "d = 6"));
    faults.write = /\.tmp-/;
    const r = await archc("compile", src, "-o", out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*out\/atomic\.ts: no space left on the device \(ENOSPC\)/);
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(generated, "utf8")).toBe(before);
    expect(leftovers(out)).toEqual([]);
  });
});

describe("archc report", () => {
  const ws = loadWorkspace([]);
  const only = new Set([ws.archs.get("LstmLM")!.file]);
  const site = join(dir, "site");

  it("a write failing part way through leaves the previous site intact, and no temporary folder", () => {
    buildReport(ws, site, only);
    const index = readFileSync(join(site, "index.html"), "utf8");
    const files = readdirSync(site).sort();
    faults.write = /diff-data\.js$/;
    expect(() => buildReport(ws, site, only)).toThrow(/ENOSPC/);
    expect(readFileSync(join(site, "index.html"), "utf8")).toBe(index);
    expect(readdirSync(site).sort()).toEqual(files);
    expect(readdirSync(dir).filter((f) => f.startsWith(".site."))).toEqual([]);
  });

  it("the final swap failing puts the previous site back", () => {
    const index = readFileSync(join(site, "index.html"), "utf8");
    // The old site is moved aside, then moving the new one in fails.
    faults.rename = /\.site\.tmp-\d+ -> .*[\\/]site$/;
    expect(() => buildReport(ws, site, only)).toThrow(/EXDEV/);
    faults.rename = undefined;
    expect(existsSync(join(site, "index.html"))).toBe(true);
    expect(readFileSync(join(site, "index.html"), "utf8")).toBe(index);
  });
});

describe("archc fmt never changes a file it cannot parse", () => {
  const broken: [string, string][] = [
    ["a syntax error", model.replace("return l(x)", "return l(x")],
    ["a character the lexer rejects", model.replace("param d", "param dé")],
    ["a truncated file", model.slice(0, 70)],
  ];
  for (const [what, text] of broken) {
    it(`${what}: exit 1, the diagnostics printed, the file byte for byte as it was`, async () => {
      const f = join(dir, `broken-${what.replace(/\W+/g, "-")}.arch`);
      const messy = text.replace(/\n {2}/g, "\n      ");
      writeFileSync(f, messy);
      const mtime = statSync(f).mtimeMs;
      for (const argv of [["fmt", f], ["fmt", f, "--check"]]) {
        const r = await archc(...argv);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/error\[E000[12]\]/);
        expect(readFileSync(f, "utf8")).toBe(messy);
        expect(statSync(f).mtimeMs).toBe(mtime);
      }
      expect(leftovers(dir)).toEqual([]);
    });
  }

  it("(and it does rewrite one it can parse)", async () => {
    const f = join(dir, "messy.arch");
    writeFileSync(f, model.replace(/\n {2}/g, "\n      "));
    expect((await archc("fmt", f)).code).toBe(0);
    expect(readFileSync(f, "utf8")).toBe(model);
  });
});
