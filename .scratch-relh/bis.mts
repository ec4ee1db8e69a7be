import { applyMutation, zooSource, type Mutation } from "../test/fuzz/mutations.js";
import { parseArch } from "../src/compiler/ast/build.js";
import { timed } from "../test/fuzz/harness.js";
const muts: Mutation[] = [{"kind":"longLine","at":89474,"unit":"x.","times":2882},{"kind":"duplicate","at":75569},{"kind":"replace","at":49511,"text":"null"},{"kind":"swap","at":34109,"with":87077}] as Mutation[];
for (const sub of [[0],[0,1],[0,2],[0,3],[0,1,2,3]]) {
  for (const times of [500, 1000, 2000, 2882]) {
    const ms = sub.map((i) => (i === 0 ? { ...muts[0], times } : muts[i]) as Mutation);
    const text = ms.reduce(applyMutation, zooSource("models/qwen2-moe.arch"));
    const r = timed(() => parseArch("x.arch", text));
    console.log(sub.join(""), times, r.ms.toFixed(0), r.value.diagnostics.map((d) => d.message).slice(0, 2));
  }
}
const text = muts.reduce(applyMutation, zooSource("models/qwen2-moe.arch"));
const i = text.indexOf("x.x.x.");
console.log(JSON.stringify(text.slice(i - 200, i + 20)), JSON.stringify(text.slice(i + 5700, i + 5900)));
