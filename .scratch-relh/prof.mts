import { readFileSync } from "node:fs";
import { parseArch } from "../src/compiler/ast/build.js";
import { parseArchText } from "../grammar/parser.js";
import { archLexer } from "../grammar/tokens.js";
const base = readFileSync("models/llama.arch", "utf8");
for (const n of [5000, 10000, 20000]) {
  const text = base.replace("let prefix = \"Llama\"", `let prefix = "Llama"\n  let big = ${"1 + ".repeat(n)}1`);
  let t0 = performance.now(); archLexer.tokenize(text); let t1 = performance.now();
  parseArchText(text); let t2 = performance.now();
  parseArch("x.arch", text); let t3 = performance.now();
  console.log(n, (t1-t0).toFixed(0), (t2-t1).toFixed(0), (t3-t2).toFixed(0));
}
