import fc from "fast-check";
import { arbMutatedFile, mutate, describeCase } from "../test/fuzz/mutations.js";
import { checkSource, failure } from "../test/fuzz/harness.js";
import { parseArch } from "../src/compiler/ast/build.js";
const [seed0, i] = [Number(process.argv[2]), Number(process.argv[3])];
const mf = fc.sample(arbMutatedFile(), { seed: (seed0 + i * 7919) | 0, numRuns: 1 })[0]!;
const text = mutate(mf);
console.log(describeCase(mf), text.length);
for (let k = 0; k < 3; k++) {
  let t0 = performance.now(); const p = parseArch("x.arch", text); const t1 = performance.now();
  const o = checkSource(mf.file, text);
  console.log("parse", (t1 - t0).toFixed(0), "check", o.ms.toFixed(0), p.diagnostics.length, o.diagnostics?.slice(0, 3).map((d) => d.code + " " + d.message));
}
