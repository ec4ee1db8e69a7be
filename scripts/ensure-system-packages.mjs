// Debian packages some tests need: Chromium (the report's browser test) and PyTorch (the
// `export --torch` / `verify --engine torch` tests). Installed here, as `npm test`'s pretest,
// so that a fresh machine needs nothing but Node and npm; nothing happens when they are
// already there, and apt-get is only attempted as root. Where a package cannot be installed,
// the tests that need it are skipped and say so.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const quiet = { stdio: "ignore" };
const packages = [
  {
    apt: ["chromium", "fonts-dejavu-core"],
    what: "Chromium, for the report's browser test",
    present: () => existsSync("/usr/bin/chromium"),
  },
  {
    apt: ["python3-torch"],
    what: "PyTorch, for the export --torch tests",
    // Debian's torch is for Debian's python3, whatever python3 the PATH leads to.
    present: () => ["python3", "/usr/bin/python3"].some((py) => spawnSync(py, ["-c", "import torch"], quiet).status === 0),
  },
];

const missing = packages.filter((p) => !p.present());
if (missing.length === 0) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], quiet).status === 0;
if (!isRoot || !hasApt) {
  for (const p of missing) console.warn(`ensure-system-packages: ${p.what} is missing and cannot be installed here (needs root and apt-get); its tests will be skipped.`);
  process.exit(0);
}
const names = missing.flatMap((p) => p.apt);
console.log(`ensure-system-packages: installing ${names.join(", ")} (${missing.map((p) => p.what).join("; ")})…`);
const started = Date.now();
for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...names]]) {
  const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) {
    console.error(`ensure-system-packages: apt-get ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(process.env.CI ? 1 : 0);
  }
}
console.log(`ensure-system-packages: installed in ${Math.round((Date.now() - started) / 1000)} s`);
