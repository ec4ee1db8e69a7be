import { readFileSync } from "node:fs";
import { parseArch } from "../src/compiler/ast/build.js";
import { timed } from "../test/fuzz/harness.js";
const base = readFileSync("models/qwen2-moe.arch", "utf8");
for (const unit of ["x.", "a + ", "1, "]) for (const n of [500, 1000, 2000, 4000]) {
  // inside an expression, and breaking a statement
  const t1 = base.replace("let prefix", `let zz = ${unit.repeat(n)}1\n  let prefix`);
  const t2 = base.replace("let prefix", `${unit.repeat(n)} let prefix`);
  const a = timed(() => parseArch("x.arch", t1)); const b = timed(() => parseArch("x.arch", t2));
  console.log(JSON.stringify(unit), n, a.ms.toFixed(0), a.value.diagnostics.length, b.ms.toFixed(0), b.value.diagnostics.length);
}
