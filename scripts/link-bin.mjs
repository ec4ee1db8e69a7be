// npm does not link a package's own bin into its node_modules/.bin; do it so that
// `npx archc` works inside a clone right after `npm install`.
import { mkdirSync, rmSync, symlinkSync, chmodSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const target = join(root, "bin", "archc.js");
mkdirSync(binDir, { recursive: true });
const link = join(binDir, "archc");
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
