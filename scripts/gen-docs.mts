// Regenerates the reference sections of docs/language.md from the compiler's own catalogues
// (forward ops, primitives, diagnostic codes), so that the documentation cannot drift from
// them: test/docs checks that the committed file equals what this produces.
//   npx tsx scripts/gen-docs.mts          rewrite docs/language.md
//   npx tsx scripts/gen-docs.mts --check  exit 1 if it is out of date
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ops } from "../src/compiler/ops/catalogue.js";
import type { OpDef } from "../src/compiler/ops/op-def.js";
import { primitives, type Primitive } from "../src/compiler/ir/primitives.js";
import { catalogue } from "../src/compiler/diagnostics/catalogue.js";

export const languageDoc = fileURLToPath(new URL("../docs/language.md", import.meta.url));

const elementwiseDoc = /^(\w+)\(x\): elementwise; the shape is unchanged$/;

function callForm(name: string, op: OpDef): string {
  const positional = op.params.map((p) => (p.endsWith("?") ? `${p.slice(0, -1)} = …` : p));
  const keywords = Object.keys(op.keywords ?? {}).map((k) => `${k} = …`);
  return `${name}(${[...positional, ...(op.variadic ? ["…"] : []), ...keywords].join(", ")})`;
}

export function opsSection(): string {
  const names = Object.keys(ops).sort();
  const elementwise = names.filter((n) => elementwiseDoc.test(ops[n]!.doc));
  const lines = [
    `Elementwise, shape unchanged: ${elementwise.map((n) => `\`${n}(x)\``).join(", ")}.`,
    "",
  ];
  for (const n of names.filter((x) => !elementwise.includes(x))) {
    const op = ops[n]!;
    const notes = [op.stateful ? "keeps state between decoding steps (one state per call site)" : "", op.variadic ? "takes any number of positional tensors" : ""].filter(Boolean);
    lines.push(`#### \`${n}\``, "", "```", callForm(n, op), "```", "", op.doc + (notes.length ? ` — *${notes.join("; ")}*` : ""), "");
  }
  return lines.join("\n").trimEnd();
}

// Distinct sizes for distinct arguments, so that a weight's shape shows which is which.
function sample(p: Primitive): Record<string, unknown> {
  const sizes = [4, 6, 2, 3];
  let k = 0;
  return Object.fromEntries(
    p.params.map((q) => [q.name, q.default !== undefined ? q.default : q.type === "int" ? sizes[k++ % sizes.length] : q.type === "int[]" ? [3, 1] : q.type === "string" ? "silu" : q.type === "float" ? 0.5 : true]),
  );
}

const applies: Record<string, (p: Primitive) => string> = {
  features: (p) => (p.apply.kind === "features" ? `\`[.., ${p.apply.from}] → [.., ${p.apply.to}]\`` : ""),
  lookup: (p) => (p.apply.kind === "lookup" ? `\`ids[..] → [.., ${p.apply.dim}]\`` : ""),
  same: (p) => (p.apply.kind === "same" ? (p.apply.lastDim ? `shape kept; last dim must be \`${p.apply.lastDim}\`` : "shape kept") : ""),
  value: () => "not called: the tensor itself (`name` in a forward)",
  none: () => "not called",
};

export function primitivesSection(): string {
  const rows = ["| primitive | arguments | parameters it owns (with the sample arguments) | prints as (sample) | applied to a tensor |", "| --- | --- | --- | --- | --- |"];
  for (const p of Object.values(primitives)) {
    const a = sample(p) as never;
    const args = p.params.map((q) => `\`${q.name}: ${q.type}${q.default !== undefined ? ` = ${JSON.stringify(q.default)}` : ""}\``).join(", ");
    const weights = p.weights(a).map((w) => `\`${w.name || "(itself)"}\` [${w.shape.join(", ")}]`).join(", ") || "none";
    const printed = `\`${p.className(a)}(${p.repr(a)})\``;
    rows.push(`| \`${p.name}\` | ${args} | ${weights} | ${printed.replace(/\|/g, "\\|")} | ${applies[p.apply.kind]!(p)} |`);
  }
  const shown = (p: Primitive) => Object.entries(sample(p)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
  rows.push("", `Sample arguments: ${Object.values(primitives).map((p) => `${p.name}(${shown(p)})`).join("; ")}.`);
  return rows.join("\n");
}

export function diagnosticsSection(): string {
  const rows = ["| code | meaning |", "| --- | --- |"];
  for (const [code, title] of Object.entries(catalogue)) rows.push(`| \`${code}\` | ${title} |`);
  return rows.join("\n");
}

export const sections: Record<string, () => string> = { ops: opsSection, primitives: primitivesSection, diagnostics: diagnosticsSection };

/** `text` with every `<!-- generated:NAME -->…<!-- /generated:NAME -->` section filled in. */
export function regenerate(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/language.md has no generated:${name} section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${render()}\n${close}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(languageDoc, "utf8");
  const next = regenerate(text);
  if (process.argv.includes("--check")) {
    if (next !== text) {
      console.error("docs/language.md is out of date: run `npx tsx scripts/gen-docs.mts`");
      process.exit(1);
    }
  } else if (next !== text) {
    writeFileSync(languageDoc, next);
    console.log("updated docs/language.md");
  }
}
