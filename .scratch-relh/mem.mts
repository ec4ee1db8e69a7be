import { cpSync, mkdtempSync, readFileSync, writeFileSync, chmodSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os"; import { join } from "node:path";
import { main } from "../src/cli/main.js";
const d = mkdtempSync(join(tmpdir(), "relh-case-"));
cpSync("/work/shared/conformance/llama-tiny", d, { recursive: true });
for (const f of readdirSync(d)) chmodSync(join(d, f), 0o644);
const p = join(d, "config.json"); const c = JSON.parse(readFileSync(p, "utf8")); delete c.hidden_size; delete c.num_hidden_layers; delete c.intermediate_size; delete c.vocab_size; writeFileSync(p, JSON.stringify(c));
const code = await main(["verify", d], { out: () => {}, err: (s) => console.log(s.slice(0, 300)) });
console.log(code, "rss MB", (process.memoryUsage().rss / 1e6).toFixed(0), "ab MB", (process.memoryUsage().arrayBuffers / 1e6).toFixed(0));
