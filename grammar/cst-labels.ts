// The child keys each grammar rule's CST nodes can have (a CONSUME's or SUBRULE's LABEL, else
// the token or rule name), read off the parser's own grammar, so that the AST builder can
// refuse a key no rule produces instead of silently reading nothing.
import type { ISerializedGast } from "chevrotain";
import { archParser } from "./parser.js";

interface GastNode extends ISerializedGast {
  name?: string;
  label?: string;
  terminalLabel?: string;
  separator?: GastNode;
}

function collect(p: GastNode, into: Set<string>): void {
  if (p.type === "Terminal") into.add(p.terminalLabel ?? p.name!);
  else if (p.type === "NonTerminal") into.add(p.label ?? p.name!);
  if (p.separator) collect(p.separator, into);
  for (const d of (p.definition ?? []) as GastNode[]) collect(d, into);
}

/** Rule name → the keys its CST nodes' `children` may have. */
export const childLabels: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (archParser.getSerializedGastProductions() as GastNode[]).map((rule) => {
    const labels = new Set<string>();
    for (const d of (rule.definition ?? []) as GastNode[]) collect(d, labels);
    return [rule.name!, labels];
  }),
);
