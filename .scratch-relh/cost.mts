import { readFileSync } from "node:fs";
import { parseArch } from "../src/compiler/ast/build.js";
import { checkSource, timed } from "../test/fuzz/harness.js";
import { zooFiles } from "../src/compiler/workspace.js";
for (let k = 0; k < 2; k++) {
  let tp = 0, tc = 0;
  for (const f of zooFiles()) {
    const text = readFileSync(f, "utf8");
    const p = timed(() => parseArch(f, text));
    const c = checkSource(f, text + " ");
    tp += p.ms; tc += c.ms;
    if (k) console.log(f.split("/").pop(), p.ms.toFixed(0), c.ms.toFixed(0));
  }
  console.log("total parse", tp.toFixed(0), "check", tc.toFixed(0));
}
