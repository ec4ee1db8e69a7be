// What the editor shows over a name or expression: the checker's symbolic shape with the
// numbers of one configuration, an op's signature and docs, a param's config key and values.
import type * as A from "../compiler/ast/nodes.js";
import { exprText } from "../compiler/ast/expr-text.js";
import type { CheckResult } from "../compiler/check/checker.js";
import type { NumericEnv } from "../compiler/check/symbolic.js";
import { typeText, type Type } from "../compiler/check/types.js";
import type { ArchIR, Value } from "../compiler/ir/model.js";
import { primitives } from "../compiler/ir/primitives.js";
import type { OpDef } from "../compiler/ops/op-def.js";
import type { ResolvedExpr } from "../compiler/resolved/nodes.js";
import { checkedArch } from "../compiler/pipeline.js";
import type { Workspace } from "../compiler/workspace.js";
import { walkExpr, type Declaration, type SymbolIndex } from "./symbols-index.js";
import { resolvedNodes } from "./resolved-nodes.js";

export interface HoverAnswer {
  markdown: string;
  span: A.Span;
}

const code = (s: string) => "```arch\n" + s + "\n```";

export const opSignature = (op: OpDef): string => {
  const kw = Object.keys(op.keywords ?? {}).map((k) => {
    const d = op.defaults?.[k];
    return d === undefined ? `${k} = …` : `${k} = ${JSON.stringify(d)}`;
  });
  return `${op.name}(${[...op.params, ...(op.variadic ? ["…"] : []), ...kw].join(", ")})`;
};

export const primitiveSignature = (name: string): string | undefined => {
  const p = primitives[name];
  return p && `${name}(${p.params.map((x) => (x.default === undefined ? x.name : `${x.name} = ${JSON.stringify(x.default)}`)).join(", ")})`;
};

const valueText = (v: Value | undefined): string => (v === undefined ? "—" : JSON.stringify(v));

export class HoverProvider {
  constructor(
    private readonly ws: Workspace,
    private readonly index: SymbolIndex,
    /** The preset whose numbers are shown (default: the arch's first preset). */
    private readonly preset?: string,
  ) {}

  at(file: string, offset: number): HoverAnswer | undefined {
    const found = this.expressionAt(file, offset);
    if (found?.expr.kind === "call" && found.expr.callee.kind === "name" && within(found.expr.callee.span, offset)) {
      const callee = found.expr.callee;
      const target = found.node?.kind === "call" ? found.node.target : undefined;
      const op = target?.kind === "op" ? target.def : undefined;
      if (op) return { markdown: `${code(opSignature(op))}\n\n${op.doc}`, span: callee.span };
    }
    const occ = this.index.at(file, offset);
    if (occ) {
      const text = this.declaration(occ.declaration, found);
      if (text) return { markdown: text, span: occ.span };
    }
    if (found) {
      const t = found.node?.type;
      if (t) return { markdown: code(`${exprText(found.expr)}: ${this.shape(t, found)}`), span: found.expr.span };
    }
    return undefined;
  }

  private declaration(d: Declaration, found: Found | undefined): string | undefined {
    const arch = this.ws.archs.get(d.arch);
    if (!arch) return undefined;
    switch (d.kind) {
      case "param":
      case "let":
        return this.configValue(arch, d);
      case "block": {
        const b = arch.blocks.get(d.name);
        const prim = primitiveSignature(d.name);
        if (prim) return code(prim);
        if (!b) return undefined;
        const fwd = b.forward;
        const sig = fwd ? `forward(${fwd.params.map((p) => `${p.name}: ${tensorText(p.type)}`).join(", ")})${fwd.result ? ` -> ${tensorText(fwd.result)}` : ""}` : "";
        return code(`block ${b.name}${b.params.length ? `(${b.params.map((p) => `${p.name}: ${p.type.name}`).join(", ")})` : ""}\n${sig}`);
      }
      case "arch":
        return code(`arch ${d.name}${arch.lineage[1] ? ` extends ${arch.lineage[1]}` : ""}`) + `\n\npresets: ${[...arch.presets.keys()].join(", ") || "none"}`;
      default: {
        if (!found) return code(`${d.kind === "loopVar" ? "loop variable" : d.kind} ${d.name}`);
        const t = found.node?.type;
        return t ? code(`${d.name}: ${this.shape(t, found)}`) : code(`${d.kind} ${d.name}`);
      }
    }
  }

  private configValue(arch: ArchIR, d: Declaration): string {
    const p = arch.params.get(d.name);
    const l = arch.lets.get(d.name);
    const lines: string[] = [];
    if (p) {
      const keys = p.hfKeys.map((k) => k.join(".")).join(" | ");
      lines.push(code(`param ${p.name}: ${p.type.name}${p.type.list ? "[]" : ""}${p.type.optional ? "?" : ""}${p.default ? ` = ${exprText(p.default)}` : ""}${keys ? ` <- ${keys}` : ""}`));
      if (keys) lines.push(`config.json key: \`${keys}\``);
    } else if (l) lines.push(code(`let ${l.name} = ${exprText(l.value)}`));
    const envs = checkedArch(arch).envs;
    if (envs.length) {
      lines.push("", "| configuration | value |", "| --- | --- |");
      for (const e of envs) lines.push(`| ${e.label} | ${valueText(e.values.get(d.name))} |`);
    }
    return lines.join("\n");
  }

  /** A type with the numbers of the chosen configuration beside its symbols. */
  private shape(t: Type, found: Found): string {
    const symbolic = typeText(t);
    if (t.kind !== "tensor") return symbolic;
    const env = this.env(found.checked.envs);
    if (!env) return symbolic;
    const dims = t.dims.map((s) => {
      const n = s.evaluate((name) => {
        const v = env.values.get(name);
        return typeof v === "number" ? v : undefined;
      });
      return n === undefined ? s.toString() : String(n);
    });
    const numeric = `${t.ids ? "ids" : ""}[${dims.join(", ")}]`;
    return numeric === symbolic ? symbolic : `${symbolic}\n# ${env.label}: ${numeric}`;
  }

  private env(envs: NumericEnv[]): NumericEnv | undefined {
    const wanted = this.preset ? envs.find((e) => e.label === `preset "${this.preset}"`) : undefined;
    return wanted ?? envs.find((e) => e.label.startsWith("preset")) ?? envs[0];
  }

  /** The innermost expression of a forward body at `offset` that the checker typed. */
  private expressionAt(file: string, offset: number): Found | undefined {
    const f = this.ws.files.find((x) => x.path === file);
    for (const a of f?.archs ?? []) {
      const ir = this.ws.archs.get(a.name);
      if (!ir) continue;
      const checked = checkedArch(ir);
      const nodes = resolvedNodes(ir);
      for (const m of a.members) {
        if (m.kind !== "block" || !m.forward || !within(m.forward.span, offset)) continue;
        let best: A.Expr | undefined;
        for (const e of exprsOf(m.forward.body)) {
          walkExpr(e, (x) => {
            if (within(x.span, offset) && (!best || x.span.length <= best.span.length) && (nodes.get(x)?.type !== undefined || x.kind === "call")) best = x;
          });
        }
        if (best) return { expr: best, node: nodes.get(best), checked };
      }
    }
    return undefined;
  }
}

interface Found {
  expr: A.Expr;
  /** The expression in the resolved IR (its type, binding, call target). */
  node: ResolvedExpr | undefined;
  /** For the configurations whose numbers a shape is shown with. */
  checked: CheckResult;
}

const within = (s: A.Span, offset: number) => offset >= s.offset && offset <= s.offset + s.length;

const tensorText = (t: A.TensorType): string => `${t.ids ? "ids" : ""}[${t.dims.map(exprText).join(", ")}]`;

function exprsOf(body: readonly A.Stmt[]): A.Expr[] {
  const out: A.Expr[] = [];
  for (const s of body) {
    switch (s.kind) {
      case "let":
      case "assign":
        out.push(s.value);
        break;
      case "return":
        out.push(...s.values);
        break;
      case "emit":
        if (s.index) out.push(s.index);
        out.push(s.value);
        break;
      case "for":
        out.push(s.iter, ...exprsOf(s.body));
        break;
      case "if":
        out.push(s.cond, ...exprsOf(s.then), ...exprsOf(s.else ?? []));
        break;
    }
  }
  return out;
}
