import { formatValue } from "../../compiler/eval/evaluate.js";
import { UsageError } from "../args.js";
import { configValues, readJson } from "../checkpoint.js";
import { workspaceFor } from "./model-ref.js";
import type { Command } from "./command.js";
import type { Value } from "../../compiler/ir/model.js";

// A value as .arch source: strings quoted (inside lists too), floats with a point.
function archLiteral(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(archLiteral).join(", ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  const text = formatValue(v);
  return typeof v === "number" && !Number.isInteger(v) && !text.includes(".") && !/e/.test(text) ? `${text}.0` : text;
}

export const importCmd: Command = {
  summary: "print the .arch preset matching a Hugging Face config.json",
  usage: "import CONFIG.json [--name PRESET]",
  flags: [],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError("name a config.json");
    const json = readJson(file, "config.json");
    const { arch, values } = configValues(workspaceFor([]), json, file);
    const name = args.options.get("name")?.[0] ?? String(json._name_or_path ?? "imported").split("/").pop();
    // Only what differs from the architecture's defaults.
    const { configFor } = await import("../../compiler/pipeline.js");
    const dflt = configFor(arch).values;
    const lines = Object.entries(values)
      .filter(([k, v]) => formatValue(dflt.get(k) ?? null) !== formatValue(v))
      .map(([k, v]) => `  ${k} = ${archLiteral(v)}`);
    io.out(`# ${arch.name} (${arch.file})\npreset ${JSON.stringify(name)} {\n${lines.join("\n")}\n}`);
    return 0;
  },
};
