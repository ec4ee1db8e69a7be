// The folder holding archc's package.json, found from this module's location so that it
// works from src/ (vitest, tsx) and from dist/src/ (the built CLI) alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "archc") return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error("archc: cannot find the package root");
    dir = up;
  }
}

export function modelsDir(): string {
  return join(packageRoot(), "models");
}
