// The Config dataclass of an exported package: every hyperparameter and derived value of
// the architecture, `from_hf` reading config.json through the `<-` mappings of the .arch
// file, `resolve` filling in defaults, derived values and `require`s in dependency order.
import type { ArchIR, Value } from "../../ir/model.js";
import { exprText } from "../../ast/expr-text.js";
import { configOrder } from "../../codegen/config-expr.js";
import { pyExpr } from "./python-expr.js";
import { pyAttr, pyComment, pyName, pyStr } from "./python-names.js";
import { pyLiteral, pyType, pyTypeOfValue } from "./python-value.js";


export function emitConfig(arch: ArchIR, sample: Map<string, Value>, presetValues: Record<string, Record<string, Value>>): string[] {
  const L: string[] = [];
  const params = [...arch.params.values()];
  const lets = [...arch.lets.values()];
  const isConfig = (n: string) => arch.params.has(n) || arch.lets.has(n);
  const local = (n: string) => pyName(n);
  L.push("@dataclass");
  L.push("class Config:");
  L.push(`    """Hyperparameters of ${arch.name} (${pyComment(arch.file)}), then the values derived from them."""`);
  L.push("");
  for (const p of params) {
    const keys = p.hfKeys.map((k) => k.join(".")).join(" | ");
    L.push(`    ${pyAttr(p.name)}: ${pyType(p.type)}${keys ? `  # <- ${pyComment(keys)}` : ""}`);
  }
  for (const l of lets) L.push(`    ${pyAttr(l.name)}: ${pyTypeOfValue(sample.get(l.name))}  # = ${pyComment(exprText(l.value))}`);
  L.push("");
  L.push("    # The config.json keys each hyperparameter reads, in order of preference.");
  const keyTable = params.filter((p) => p.hfKeys.length).map((p) => `        ${pyStr(p.name)}: ${JSON.stringify(p.hfKeys)},`);
  L.push("    HF_KEYS: ClassVar[Dict[str, List[List[str]]]] = {", ...keyTable, "    }");
  L.push("    # Hyperparameters that take null (None) when config.json says null.");
  L.push(`    OPTIONAL: ClassVar[List[str]] = [${params.filter((p) => p.type.optional).map((p) => pyStr(p.name)).join(", ")}]`);
  L.push("");
  L.push("    @classmethod");
  L.push('    def from_hf(cls, config: Dict[str, Any]) -> "Config":');
  L.push('        """The configuration a Hugging Face config.json describes."""');
  L.push("        return cls.resolve(**fn.read_hf_config(config, cls.HF_KEYS, cls.OPTIONAL))");
  L.push("");
  L.push("    @classmethod");
  L.push('    def preset(cls, name: str, **overrides: Any) -> "Config":');
  L.push(`        """A preset of ${pyComment(arch.file)} (${Object.keys(presetValues).slice(0, 3).map((n) => JSON.stringify(n)).join(", ")}${Object.keys(presetValues).length > 3 ? ", …" : ""})."""`);
  L.push("        return cls.resolve(**{**PRESETS[name], **overrides})");
  L.push("");
  L.push("    @classmethod");
  L.push('    def resolve(cls, **given: Any) -> "Config":');
  L.push('        """Defaults, derived values and requirements, as archc computes them."""');
  L.push(`        fn.known_names(given, [${params.map((p) => pyStr(p.name)).join(", ")}])`);
  const names = (n: string) => (isConfig(n) ? local(n) : pyName(n));
  for (const n of configOrder(arch)) {
    const p = arch.params.get(n);
    if (p) {
      const literal = p.default && (p.default.kind === "num" || p.default.kind === "str" || p.default.kind === "bool" || p.default.kind === "null");
      if (literal) L.push(`        ${local(n)} = given.get(${pyStr(n)}, ${pyExpr(p.default!, names)})`);
      else {
        const dflt = p.default ? pyExpr(p.default, names) : p.type.optional ? "None" : `fn.missing(${pyStr(n)})`;
        L.push(`        ${local(n)} = given[${pyStr(n)}] if ${pyStr(n)} in given else ${dflt}`);
      }
    } else {
      L.push(`        ${local(n)} = ${pyExpr(arch.lets.get(n)!.value, names)}`);
    }
  }
  for (const r of arch.requires) {
    L.push(`        fn.require(${pyExpr(r.cond, names)}, ${pyStr(exprText(r.cond))}, ${pyStr(r.message ?? exprText(r.cond))})`);
  }
  L.push(`        return cls(${[...params, ...lets].map((x) => `${pyAttr(x.name)}=${local(x.name)}`).join(", ")})`);
  L.push("");
  L.push("");
  L.push("# Real checkpoints, as overrides of the defaults.");
  L.push("PRESETS: Dict[str, Dict[str, Any]] = {");
  for (const [name, vals] of Object.entries(presetValues)) {
    L.push(`    ${pyStr(name)}: {${Object.entries(vals).map(([k, v]) => `${pyStr(k)}: ${pyLiteral(v)}`).join(", ")}},`);
  }
  L.push("}");
  return L;
}
