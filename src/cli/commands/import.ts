// `archc import CONFIG.json`: the preset a Hugging Face config amounts to, as .arch source
// that resolves to exactly the configuration `run` and `verify` build from that file.
import { formatValue } from "../../compiler/eval/evaluate.js";
import { pyFloat } from "../../compiler/eval/pyformat.js";
import { configFor } from "../../compiler/pipeline.js";
import type { TypeRef } from "../../compiler/ast/nodes.js";
import type { ArchIR, Value } from "../../compiler/ir/model.js";
import { flag, opt, UsageError } from "../args.js";
import { configValues, readJson } from "../checkpoint.js";
import { workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";

/** A string literal the .arch lexer reads back as `s` (it knows \n, \t, \r and `\` + any other character). */
export function archString(s: string): string {
  const escaped = s.replace(/[\\"\n\t\r]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : c === "\r" ? "\\r" : `\\${c}`));
  return `"${escaped}"`;
}

/**
 * A value as .arch source for a hyperparameter of the given type: a float is written as a
 * float literal even when its value is integral (`theta = 500000.0`, as Python wrote it),
 * so that the preset reads as the config does; list elements follow the element type.
 */
export function archLiteral(v: Value, type: Pick<TypeRef, "name"> = { name: "any" }): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map((x) => archLiteral(x, type)).join(", ")}]`;
  if (typeof v === "string") return archString(v);
  if (typeof v === "boolean") return String(v);
  if (!Number.isFinite(v)) throw new UsageError(`${v} cannot be written as an .arch number`);
  // Python's float repr (`1e-05`, `500000.0`, `1e+16`) is a valid .arch float literal.
  const text = type.name === "float" || !Number.isInteger(v) ? pyFloat(Math.abs(v)) : String(Math.abs(v));
  return v < 0 || Object.is(v, -0) ? `-${text}` : text;
}

/**
 * The hyperparameters a preset must set so that it resolves to `values`: those that differ
 * from the defaults, plus any whose default is computed from a changed one (`head_dim = d /
 * heads` when the config changes d or heads but keeps head_dim at its old default).
 */
function presetKeys(arch: ArchIR, values: Record<string, Value>): Set<string> {
  const same = (a: Value | undefined, b: Value) => a !== undefined && formatValue(a) === formatValue(b);
  const keys = new Set<string>();
  for (;;) {
    const given = Object.fromEntries([...keys].map((k) => [k, values[k]!]));
    const resolved = configFor(arch, undefined, given).values;
    const missing = Object.keys(values).filter((k) => !keys.has(k) && !same(resolved.get(k), values[k]!));
    if (!missing.length) return keys;
    // One at a time in declaration order: a later default may follow from an earlier value.
    keys.add(missing[0]!);
  }
}

export const importCmd: Command = {
  summary: "print the .arch preset matching a Hugging Face config.json",
  usage: "import CONFIG.json [--name PRESET]",
  flags: [],
  options: ["name"],
  maxPositional: 1,
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError("name a config.json");
    const json = readJson(file, "config.json");
    const { arch, root, values } = configValues(workspaceFor([]), json, file);
    const name = opt(args, "name") ?? (String(json._name_or_path ?? "").split("/").pop() || "imported");
    const keys = presetKeys(arch, values);
    const lines = [...arch.params.values()].filter((p) => keys.has(p.name)).map((p) => `  ${p.name} = ${archLiteral(values[p.name]!, p.type)}`);
    // The class the config names, when it is not the architecture's own root.
    const rootClause = root && root !== arch.root?.block ? ` root ${root}` : "";
    const source = `preset ${archString(name)}${rootClause} {\n${lines.join("\n")}\n}`;
    io.out(flag(args, "json") ? JSON.stringify({ arch: arch.name, file: arch.file, root, preset: name, source }) : `# ${arch.name} (${arch.file})\n${source}`);
    return 0;
  },
};
