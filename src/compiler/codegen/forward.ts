// Forward bodies → TypeScript statements. Every decision (is this name a local, a
// submodule, a config value; is this call an op or a module) was made by the checker and
// is read from its annotations; this file only spells it out.
import type * as A from "../ast/nodes.js";
import type { ArchIR, BlockIR } from "../ir/model.js";
import { opNamed } from "../ops/catalogue.js";
import { bindArguments } from "../ops/bound-call.js";
import { paramName } from "../ops/op-def.js";
import { typeText, type Annotations, type ModuleListT, type ModuleT, type ModuleVariant, type Type } from "../check/types.js";
import { configExpr, type NameKind } from "./config-expr.js";
import { commentText, localName, propKey, str, typeName } from "./names.js";

export interface ForwardEmitter {
  arch: ArchIR;
  ann: Annotations;
}

export function forwardFunctionName(block: string): string {
  return `forward${typeName(block)}`;
}

/** How a module value is applied to tensor arguments. */
export function callVariants(t: ModuleT, target: string, args: string[]): string {
  const one = (v: ModuleVariant, m: string): string =>
    v.kind === "primitive" ? `rt.lang.apply(${m}, ${args[0] ?? "undefined"}, ctx)` : `${forwardFunctionName(v.block.name)}(${[m, "cfg", "ctx", ...args].join(", ")})`;
  const distinct = dedupeVariants(t.variants);
  if (distinct.length === 1) return one(distinct[0]!, target);
  // Chosen per instance at build time: dispatch on the instance's block tag.
  let expr = "";
  for (let i = distinct.length - 1; i >= 0; i--) {
    const v = distinct[i]!;
    const cast = v.kind === "primitive" ? `${target} as rt.nn.${v.primitive.name}M` : `${target} as ${typeName(v.block.name)}`;
    const call = one(v, `(${cast})`);
    if (!expr) expr = call;
    else {
      const test = v.kind === "primitive" ? `(${target} as { kind?: string }).kind === ${str(v.primitive.name)}` : `(${target} as { $block?: string }).$block === ${str(v.block.name)}`;
      expr = `(${test} ? ${call} : ${expr})`;
    }
  }
  return expr;
}

export function dedupeVariants(vs: ModuleVariant[]): ModuleVariant[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const k = v.kind === "primitive" ? `p:${v.block?.name ?? v.primitive.name}` : `b:${v.block.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function emitForward(em: ForwardEmitter, b: BlockIR): string[] {
  const f = b.forward!;
  const { arch, ann } = em;
  const blockParams = new Set(b.params.map((p) => p.name));
  // A submodule declared with `if cond` is typed `T | undefined`; the checker cannot see that
  // its uses are guarded by the same condition, so they assert presence.
  const conditional = new Set(b.submodules.filter((s) => s.cond).map((s) => s.name));
  const lines: string[] = [];
  let indent = 1;
  const push = (s: string) => lines.push("  ".repeat(indent) + s);

  const nameKind = (n: string): NameKind | undefined => {
    if (blockParams.has(n)) return "blockParam";
    if (arch.params.has(n) || arch.lets.has(n)) return "config";
    return "local";
  };

  const expr = (e: A.Expr): string => {
    const res = ann.resolutions.get(e);
    const type = ann.types.get(e);
    switch (e.kind) {
      case "name": {
        if (!res) return configExpr(e, nameKind);
        switch (res.kind) {
          case "local":
          case "loopVar":
            return localName(e.name);
          case "submodule":
            return `self.${e.name}${conditional.has(e.name) ? "!" : ""}`;
          case "blockParam":
            return `self.${e.name}`;
          case "config":
            return `cfg.${e.name}`;
          default:
            return localName(e.name);
        }
      }
      case "num":
      case "str":
      case "bool":
      case "null":
        return configExpr(e, nameKind);
      case "list":
        return `[${e.items.map(expr).join(", ")}]`;
      case "unary":
        if (type?.kind === "tensor") return `rt.lang.negate(${expr(e.operand)})`;
        return `${e.op}(${expr(e.operand)})`;
      case "binary": {
        const lt = ann.types.get(e.left);
        const rt_ = ann.types.get(e.right);
        if (lt?.kind === "tensor" || rt_?.kind === "tensor") {
          const fn = { "+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul" }[e.op as "+"];
          return `rt.lang.${fn}(${expr(e.left)}, ${expr(e.right)})`;
        }
        return configExpr({ ...e, left: rawConfig(e.left), right: rawConfig(e.right) } as A.Expr, nameKind);
      }
      case "if":
        return `(${expr(e.cond)} ? ${expr(e.then)} : ${expr(e.else)})`;
      case "index": {
        const tt = ann.types.get(e.target);
        if (tt?.kind === "modlist") return `${expr(e.target)}[${expr(e.index)}]!`;
        return `${expr(e.target)}[${expr(e.index)}]!`;
      }
      case "member":
        // A path through child blocks may cross an optional submodule (declared with `if`).
        return `${expr(e.target)}${e.target.kind === "member" ? "!" : ""}.${e.name}`;
      case "range":
        return `rt.cfg.range(${expr(e.from)}, ${expr(e.to)})`;
      case "call":
        return call(e);
      case "comprehension":
        return "undefined";
    }
  };

  // A config-level subexpression inside a forward: keep names resolved the checker's way.
  const rawConfig = (e: A.Expr): A.Expr => e;

  const call = (e: Extract<A.Expr, { kind: "call" }>): string => {
    const res = ann.resolutions.get(e);
    if (res?.kind === "call-module") {
      return callVariants(res.type, expr(e.callee), e.args.map((a) => expr(a.value)));
    }
    if (res?.kind === "config") return configExpr(e, nameKind);
    const op = opNamed(res?.kind === "op" ? res.name : e.callee.kind === "name" ? e.callee.name : "");
    if (!op) throw new Error(`codegen: the call at ${e.span.line}:${e.span.col} is neither a module nor an op`);
    // The runtime takes positional parameters in order (the first left-out ones as undefined),
    // extra positional tensors, then keywords in one object, in the order the call wrote them.
    const positional = op.params.map(paramName);
    const { named, rest } = bindArguments(op, e);
    const pos = positional.map((p) => named.get(p));
    while (pos.length && pos[pos.length - 1] === undefined) pos.pop();
    const kw = [...named].filter(([k]) => !positional.includes(k)).map(([k, v]) => `${propKey(k)}: ${argValue(v)}`);
    const args = ["ctx"];
    if (op.stateful) args.push(`\`\${self.$path}#${res?.kind === "op" ? res.site : 0}\``);
    args.push(...pos.map((p) => (p === undefined ? "undefined" : op.lazy ? `() => ${argValue(p)}` : argValue(p))), ...rest.map(argValue));
    if (op.keywords) args.push(`{ ${kw.join(", ")} }`);
    return `rt.lang.${op.runtime}(${args.join(", ")})`;
  };

  // A module list passed to an op (moe experts) becomes a callback on one item.
  const argValue = (e: A.Expr): string => {
    const t = ann.types.get(e);
    if (t?.kind === "modlist") {
      const item = (t as ModuleListT).item;
      // A list of bare parameters (nn.ParameterList) is passed as its tensors.
      if (item.variants.length > 0 && item.variants.every((v) => v.kind === "primitive" && v.primitive.apply.kind === "value")) return `${expr(e)} as readonly rt.Tensor[]`;
      return `(i$: number, rows$: rt.Tensor) => ${callVariants(item, `${expr(e)}[i$]!`, ["rows$"])}`;
    }
    return expr(e);
  };

  const shapeComment = (names: string[], s: A.Stmt): void => {
    const bound = ann.bindings.get(s) ?? [];
    const parts = bound.filter((x) => x.type.kind === "tensor").map((x) => `${x.name}: ${typeText(x.type)}`);
    if (parts.length && names.length) push(`// ${commentText(parts.join(", "))}`);
  };

  const declared = new Set(f.params.map((p) => p.name));
  // A `let` inside a branch is a TypeScript block-scoped variable: the other branch must declare it again.
  const scoped = (body: A.Stmt[]): void => {
    const outer = new Set(declared);
    body.forEach(stmt);
    declared.clear();
    outer.forEach((n) => declared.add(n));
  };
  const stmt = (s: A.Stmt): void => {
    switch (s.kind) {
      case "let":
      case "assign": {
        shapeComment(s.names, s);
        const target = s.names.length === 1 ? localName(s.names[0]!) : `[${s.names.map(localName).join(", ")}]`;
        const fresh = s.kind === "let" && !s.names.some((n) => declared.has(n));
        s.names.forEach((n) => declared.add(n));
        push(`${fresh ? "let " : ""}${target} = ${expr(s.value)};`);
        break;
      }
      case "return":
        push(`return ${s.values.length === 1 ? expr(s.values[0]!) : `[${s.values.map(expr).join(", ")}]`};`);
        break;
      case "emit":
        push(`rt.lang.emit(ctx, ${str(s.name)}, ${s.index ? expr(s.index) : "undefined"}, ${expr(s.value)});`);
        break;
      case "for": {
        const it = ann.types.get(s.iter);
        if (s.iter.kind === "range") push(`for (let ${localName(s.variable)} = ${expr(s.iter.from)}; ${localName(s.variable)} < ${expr(s.iter.to)}; ${localName(s.variable)}++) {`);
        else push(`for (const ${localName(s.variable)} of ${expr(s.iter)}${it?.kind === "modlist" ? "" : " as number[]"}) {`);
        indent++;
        s.body.forEach(stmt);
        indent--;
        push("}");
        break;
      }
      case "if":
        push(`if (${expr(s.cond)}) {`);
        indent++;
        scoped(s.then);
        indent--;
        if (s.else) {
          push("} else {");
          indent++;
          scoped(s.else);
          indent--;
        }
        push("}");
        break;
    }
  };
  for (const p of f.params) if (p.default) push(`if (${localName(p.name)} === undefined) ${localName(p.name)} = ${expr(p.default)};`);
  // Free dims of the inputs (`B`, `T` in `x: [B, T, d]`) used as values (reshape sizes) are
  // read off the first required input that has them.
  const used = namesIn(f.body);
  const bound = new Set<string>();
  for (const p of f.params) {
    if (p.default) continue;
    p.type.dims.forEach((d, j) => {
      if (d.kind !== "name" || bound.has(d.name) || !used.has(d.name) || nameKind(d.name) !== "local" || declared.has(d.name)) return;
      bound.add(d.name);
      push(`const ${localName(d.name)} = ${localName(p.name)}.shape[${j}]!;`);
    });
  }
  f.body.forEach(stmt);
  return lines;
}

/** Every name read anywhere in these statements. */
function namesIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) namesIn(n, out);
  else if (node && typeof node === "object") {
    const o = node as { kind?: string; name?: unknown };
    if (o.kind === "name" && typeof o.name === "string") out.add(o.name);
    for (const [k, v] of Object.entries(o)) if (k !== "span") namesIn(v, out);
  }
  return out;
}

export function resultTsType(t: Type | undefined): string {
  if (!t || t.kind !== "tensor") return "rt.Tensor";
  return t.ids ? "rt.IntTensor" : "rt.Tensor";
}
