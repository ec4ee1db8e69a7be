import { loadWorkspace } from "../src/compiler/workspace.js";
import { checkWorkspace } from "../src/compiler/pipeline.js";
import { archFromZoo, sessionFor, arbConfig } from "../src/testing/properties.js";
import { configFor } from "../src/compiler/pipeline.js";
import { IntTensor } from "../src/runtime/index.js";
const ws = loadWorkspace([]);
const broken = new Set(checkWorkspace(ws).filter((d) => d.severity === "error").map((d) => d.span?.file));
const fams = [...ws.archs.values()].filter((a) => a.presets.has("tiny") && !broken.has(a.file)).map((a) => a.name);
console.log("broken", [...broken]);
const only = process.argv[2];
for (const name of fams) {
  if (only && name !== only) continue;
  const a = archFromZoo(name);
  const cfg: Record<string, any> = {};
  const r = configFor(a.arch, "tiny");
  for (const p of a.arch.params.keys()) cfg[p] = r.values.get(p) ?? null;
  const c0 = process.cpuUsage();
  const s = await sessionFor(a, cfg, 3);
  const c1 = process.cpuUsage(c0);
  const stream = s.streamInput!; const ctxIn = s.contextInputs;
  const vocab = Number(s.cfg.vocab ?? 16);
  const ids = (xs: number[]) => new IntTensor(Int32Array.from(xs), [1, xs.length]);
  const enc = ids([3, 5, 7, 9]);
  const fixed: Record<string, IntTensor> = Object.fromEntries(ctxIn.map((n) => [n, enc]));
  const seq = [1, 17, 42];
  const ctx = s.newContext(true);
  let out = s.forward({ ...fixed, [stream]: ids(seq) }, ctx, undefined, { lastPosition: true }).output;
  let maxErr = 0; let firstBad = -1;
  for (let step = 0; step < 14; step++) {
    const V = out.shape[out.shape.length - 1]!;
    const last = out.data.subarray(out.data.length - V);
    const full = s.forward({ ...fixed, [stream]: ids(seq) }).output;
    const fl = full.data.subarray(full.data.length - V);
    let e = 0; for (let i = 0; i < V; i++) e = Math.max(e, Math.abs(last[i]! - fl[i]!) / (1 + Math.abs(fl[i]!)));
    if (e > 1e-4 && firstBad < 0) firstBad = seq.length;
    maxErr = Math.max(maxErr, e);
    const id = (seq.length * 31) % Math.min(vocab, 90);
    seq.push(id);
    out = s.forward({ ...fixed, [stream]: ids([id]) }, ctx, undefined, { lastPosition: true }).output;
  }
  const c2 = process.cpuUsage(c0);
  console.log(name.padEnd(12), "stream", stream, "ctx", ctxIn.join(","), "maxRelErr", maxErr.toExponential(2), "firstBad", firstBad, "build ms", ((c1.user)/1000).toFixed(0), "total", (c2.user/1000).toFixed(0));
}
