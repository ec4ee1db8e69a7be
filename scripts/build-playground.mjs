// Bundles the report's playground (src/playground/app.ts: CodeMirror + the compiler) into one
// classic script, dist/playground/playground.js, which a page opened from file:// can load.
// Run by `npm run build`; `archc report` copies the bundle into the site.
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "src/playground/app.ts")],
  outfile: join(root, "dist/playground/playground.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
});
