// The report's browser test needs Debian's Chromium. Installed here (as `npm test`'s
// pretest) so that a fresh machine needs nothing but Node and npm; skipped quietly when the
// browser is already there, and only attempted with apt-get as root.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const browser = "/usr/bin/chromium";
if (existsSync(browser)) process.exit(0);
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
if (!isRoot || !hasApt) {
  console.warn(`ensure-browser: ${browser} is missing and cannot be installed here (needs root and apt-get); the browser test will be skipped.`);
  process.exit(0);
}
console.log("ensure-browser: installing Debian's chromium for the report's browser test…");
for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core"]]) {
  const r = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) {
    console.error(`ensure-browser: apt-get ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(process.env.CI ? 1 : 0);
  }
}
