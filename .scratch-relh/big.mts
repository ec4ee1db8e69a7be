import { readFileSync } from "node:fs";
import { checkSource, failure } from "../test/fuzz/harness.js";
const base = readFileSync("models/llama.arch", "utf8");
for (const n of Number(process.argv[2]) ? [Number(process.argv[2])] : [1000, 10000, 30000]) {
  const text = base.replace("n_layers = 2", `n_layers = ${n}`);
  const o = checkSource("models/llama.arch", text);
  const f = failure(o);
  console.log(n, o.ms.toFixed(0), f ? f.split("\n").slice(0, 3).join(" | ") : `ok ${o.diagnostics!.length} diags ${o.diagnostics!.slice(0,1).map(d=>d.code+" "+d.message).join()}`);
}
