import { readFileSync } from "node:fs";
import { checkSource, failure } from "../test/fuzz/harness.js";
const base = readFileSync("models/llama.arch", "utf8");
const cases: [string, string][] = [];
for (const n of [50, 100, 200, 1000, 5000, 20000]) {
  cases.push([`plus ${n}`, base.replace("let prefix = \"Llama\"", `let prefix = "Llama"\n  let big = ${"1 + ".repeat(n)}1`)]);
  cases.push([`minus ${n}`, base.replace("let prefix = \"Llama\"", `let prefix = "Llama"\n  let big = ${"- ".repeat(n)}1`)]);
  cases.push([`paren ${n}`, base.replace("let prefix = \"Llama\"", `let prefix = "Llama"\n  let big = ${"(".repeat(n)}1${")".repeat(n)}`)]);
  cases.push([`fwd plus ${n}`, base.replace("return h + mlp(post_attention_layernorm(h))", `return h + mlp(post_attention_layernorm(h))${" + h".repeat(n)}`)]);
  cases.push([`list ${n}`, base.replace("let prefix = \"Llama\"", `let prefix = "Llama"\n  let big = ${"[".repeat(n)}1${"]".repeat(n)}`)]);
}
for (const [name, text] of cases) {
  const o = checkSource("models/llama.arch", text);
  const f = failure(o);
  console.log(name, o.ms.toFixed(0), f ? f.split("\n").slice(0, 3).join(" | ") : `ok ${o.diagnostics!.length} diags ${o.diagnostics!.slice(0,1).map(d=>d.code+" "+d.message).join()}`);
}
