// Builds ArchIR from parsed files: resolves `extends` across every loaded file and applies
// overrides. Reports duplicates, bad overrides and cycles; never throws.
import type * as A from "../ast/nodes.js";
import { error, type Diagnostic, type Fix } from "../diagnostics/diagnostic.js";
import type { ArchIR, BlockIR } from "./model.js";
import { suggest } from "../diagnostics/suggest.js";
import { expandFunctions } from "./functions.js";

type MemberKind = "param" | "let" | "block";

export function flattenArchs(files: A.SourceFile[], diagnostics: Diagnostic[]): Map<string, ArchIR> {
  const decls = new Map<string, { decl: A.ArchDecl; file: string }>();
  for (const f of files) {
    for (const a of f.archs) {
      const prev = decls.get(a.name);
      if (prev) {
        diagnostics.push(
          error("E0102", a.nameSpan, `architecture \`${a.name}\` is defined twice`, {
            notes: [{ message: "first defined here", span: prev.decl.nameSpan }],
            hint: "rename one of them, or use `extends` to build on the other",
          }),
        );
        continue;
      }
      decls.set(a.name, { decl: a, file: f.path });
    }
  }
  const done = new Map<string, ArchIR>();
  const visiting = new Set<string>();

  const build = (name: string): ArchIR | undefined => {
    const hit = done.get(name);
    if (hit) return hit;
    const entry = decls.get(name);
    if (!entry) return undefined;
    const { decl } = entry;
    if (visiting.has(name)) {
      const chain = [...visiting].slice([...visiting].indexOf(name));
      diagnostics.push(
        error("E0108", decl.nameSpan, `\`${name}\` extends itself: ${[...chain, name].map((n) => `\`${n}\``).join(" extends ")}`, {
          hint: "remove one `extends` from the cycle",
        }),
      );
      return undefined;
    }
    visiting.add(name);
    let base: ArchIR | undefined;
    if (decl.base) {
      base = build(decl.base.name);
      if (!base && !visiting.has(decl.base.name) && !decls.has(decl.base.name)) {
        diagnostics.push(
          error("E0104", decl.base.span, `unknown base architecture \`${decl.base.name}\``, {
            hint: suggest(decl.base.name, [...decls.keys()]) ?? "the base must be defined in a loaded .arch file (models/ is always loaded)",
          }),
        );
      }
    }
    const ir = expandFunctions(applyMembers(decl, entry.file, base, diagnostics), diagnostics);
    visiting.delete(name);
    done.set(name, ir);
    return ir;
  };
  for (const name of decls.keys()) build(name);
  return done;
}

function applyMembers(decl: A.ArchDecl, file: string, base: ArchIR | undefined, diagnostics: Diagnostic[]): ArchIR {
  const ir: ArchIR = {
    name: decl.name,
    file,
    span: decl.span,
    lineage: [decl.name, ...(base?.lineage ?? [])],
    ...(base?.hf ? { hf: base.hf } : {}),
    params: new Map(base?.params),
    lets: new Map(base?.lets),
    functions: new Map(base?.functions),
    requires: [...(base?.requires ?? [])],
    ignores: [...(base?.ignores ?? [])],
    blocks: new Map(base?.blocks),
    ...(base?.root ? { root: base.root } : {}),
    presets: new Map(),
  };
  const ownNames = new Map<string, { kind: MemberKind; span: A.Span }>();
  const inheritedKind = (n: string): MemberKind | undefined =>
    base?.params.has(n) ? "param" : base?.lets.has(n) || base?.functions.has(n) ? "let" : base?.blocks.has(n) ? "block" : undefined;

  const declare = (kind: MemberKind, name: string, isOverride: boolean, span: A.Span, member: A.Span): boolean => {
    const own = ownNames.get(name);
    if (own) {
      diagnostics.push(error("E0102", span, `\`${name}\` is defined twice in \`${decl.name}\``, { notes: [{ message: "first defined here", span: own.span }] }));
      return false;
    }
    ownNames.set(name, { kind, span });
    const inherited = inheritedKind(name);
    if (isOverride && !inherited) {
      diagnostics.push(
        error("E0105", span, `\`override ${kind} ${name}\`: ${base ? `\`${base.name}\` has no member \`${name}\`` : `\`${decl.name}\` has no base`}`, {
          hint: base ? suggest(name, [...base.params.keys(), ...base.lets.keys(), ...base.blocks.keys()]) ?? "drop `override` to add a new member" : "drop `override`",
        }),
      );
      return false;
    }
    if (inherited && !isOverride) {
      diagnostics.push(
        error("E0106", span, `\`${name}\` is already defined by base \`${base?.name}\``, {
          hint: `write \`override ${kind} ${name}\` to replace it`,
          fixes: [{ title: `Add \`override\``, span: { ...member, length: 0 }, text: "override " }],
        }),
      );
      return false;
    }
    // A let may override a param and vice versa (a fixed value instead of a configurable one);
    // a block may only replace a block.
    if (inherited && (inherited === "block") !== (kind === "block")) {
      diagnostics.push(
        error("E0107", span, `\`${name}\` is a ${inherited} in \`${base?.name}\` and cannot be overridden by a ${kind}`, {
          hint: "a block overrides only a block; a param or let overrides only a param or let",
        }),
      );
      return false;
    }
    if (inherited) {
      ir.params.delete(name);
      ir.lets.delete(name);
      ir.functions.delete(name);
    }
    return true;
  };

  let ownHf = false;
  for (const m of decl.members) {
    switch (m.kind) {
      case "hf":
        if (ownHf) diagnostics.push(error("E0102", m.span, `\`${decl.name}\` has two \`hf\` declarations`));
        ownHf = true;
        ir.hf = m;
        break;
      case "param":
        if (declare("param", m.name, m.override, m.nameSpan, m.span)) {
          const prev = base?.params.get(m.name);
          if (prev && prev.type.name !== m.type.name) {
            diagnostics.push(
              error("E0107", m.type.span, `override of \`${m.name}\` changes its type`, { expected: typeText(prev.type), found: typeText(m.type) }),
            );
          }
          ir.params.set(m.name, {
            name: m.name,
            type: m.type,
            ...(m.default ? { default: m.default } : {}),
            // An override that names no HF key keeps the base's mapping.
            hfKeys: m.hfKeys.length > 0 ? m.hfKeys : (prev?.hfKeys ?? []),
            definedIn: decl.name,
            span: m.span,
          });
        }
        break;
      case "let":
        if (!declare("let", m.name, m.override, m.nameSpan, m.span)) break;
        if (m.params) ir.functions.set(m.name, { name: m.name, params: m.params, body: m.value, definedIn: decl.name, span: m.span });
        else ir.lets.set(m.name, { name: m.name, value: m.value, definedIn: decl.name, span: m.span });
        break;
      case "require":
        ir.requires.push({ cond: m.cond, ...(m.message ? { message: m.message } : {}), definedIn: decl.name, span: m.span });
        break;
      case "ignore":
        ir.ignores.push(...m.keys);
        break;
      case "block":
        if (declare("block", m.name, m.override, m.nameSpan, m.span)) ir.blocks.set(m.name, { ...m, definedIn: decl.name } as BlockIR);
        break;
      case "root":
        ir.root = { block: m.block, span: m.span };
        break;
      case "preset": {
        const prev = ir.presets.get(m.name);
        if (prev) {
          diagnostics.push(error("E0102", m.nameSpan, `preset "${m.name}" is defined twice`, { notes: [{ message: "first defined here", span: prev.nameSpan }] }));
        } else ir.presets.set(m.name, m);
        break;
      }
    }
  }
  return ir;
}

export function typeText(t: A.TypeRef): string {
  return `${t.name}${t.list ? "[]" : ""}${t.optional ? "?" : ""}`;
}

