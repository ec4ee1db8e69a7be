#!/usr/bin/env node
// A closed pipe (`archc print … | head`) is a normal way for output to end.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
const { main } = await import("../dist/src/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
