// Real file systems instead of simulated failures (issue 18, item 5 and the read-only mount):
// a tiny tmpfs fills up, a read-only tmpfs refuses writes. Mounting needs root and a system
// that allows it; elsewhere these tests are skipped (test/cli/atomic-writes.test.ts simulates
// the same failures everywhere).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { archc } from "./capture.js";

const root = mkdtempSync(join(tmpdir(), "archc-mounts-"));
const mounted: string[] = [];
function mount(name: string, options: string): string | undefined {
  const dir = join(root, name);
  mkdirSync(dir);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
    mounted.push(dir);
    return dir;
  } catch {
    return undefined;
  }
}
const full = mount("full", "size=16k");
const readOnly = mount("ro", "ro,size=64k");
afterAll(() => {
  for (const d of mounted) execFileSync("umount", [d]);
  rmSync(root, { recursive: true, force: true });
});

// A module of about 40 KB: more than the 16 KB file system holds.
const lets = Array.from({ length: 1000 }, (_, i) => `  let l${i} = ${i === 0 ? "d" : `l${i - 1} + 1`}`).join("\n");
const big = `arch BigModule {\n  param d: int = 4\n${lets}\n  block M {\n    l: Linear(d, d)\n    forward(x: [B, T, d]) -> [B, T, d] {\n      return l(x)\n    }\n  }\n  root M\n}\n`;

describe("real file systems", () => {
  it.skipIf(!full)("a full disk: compile exits 1 naming the module's path, and leaves no temporary file", async () => {
    const src = join(root, "big.arch");
    writeFileSync(src, big);
    const r = await archc("compile", src, "-o", full!);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toBe(`error: ${join(full!, "bigmodule.ts")}: no space left on the device (ENOSPC)\n`);
    expect(readdirSync(full!)).toEqual([]);
  }, 60_000);

  it.skipIf(!readOnly)("a read-only mount: named as read-only, for the output folder and for a folder to create in it", async () => {
    const src = join(root, "small.arch");
    writeFileSync(src, big.replace(lets, "  let l0 = d"));
    const r = await archc("compile", src, "-o", readOnly!);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: ${join(readOnly!, "bigmodule.ts")}: read-only file system (EROFS)\n`);
    const sub = await archc("compile", src, "-o", join(readOnly!, "a", "b"));
    expect(sub.code).toBe(1);
    expect(sub.err).toBe(`error: ${readOnly}: read-only file system (EROFS): cannot create ${join(readOnly!, "a", "b")} in it\n`);
  });
});
