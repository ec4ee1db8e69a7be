// What may be written at a place: ops with their signatures and primitives anywhere in a
// block, the arch's params, lets and blocks, and the block's own submodules and locals.
import type * as A from "../compiler/ast/nodes.js";
import { primitives } from "../compiler/ir/primitives.js";
import { ops } from "../compiler/ops/catalogue.js";
import type { Workspace } from "../compiler/workspace.js";
import { opSignature, primitiveSignature } from "./hover.js";
import type { SymbolIndex } from "./symbols-index.js";

export type CompletionKind = "op" | "primitive" | "param" | "let" | "block" | "submodule" | "local";

export interface Completion {
  label: string;
  kind: CompletionKind;
  detail: string;
  documentation?: string;
}

const inside = (s: A.Span, offset: number) => offset >= s.offset && offset <= s.offset + s.length;

export function completionsAt(ws: Workspace, index: SymbolIndex, file: string, offset: number): Completion[] {
  const f = ws.files.find((x) => x.path === file);
  const archDecl = f?.archs.find((a) => inside(a.span, offset)) ?? f?.archs.at(-1);
  const arch = archDecl && ws.archs.get(archDecl.name);
  const out: Completion[] = [];
  const block = archDecl?.members.find((m): m is A.BlockDecl => m.kind === "block" && inside(m.span, offset));
  if (block) {
    for (const op of Object.values(ops)) out.push({ label: op.name, kind: "op", detail: opSignature(op), documentation: op.doc });
    for (const name of Object.keys(primitives)) out.push({ label: name, kind: "primitive", detail: primitiveSignature(name) ?? name });
    const own = arch?.blocks.get(block.name) ?? block;
    for (const s of own.submodules) out.push({ label: s.name, kind: "submodule", detail: `submodule of ${block.name}` });
    // Locals, inputs and loop variables declared earlier in this block's forward body.
    const seen = new Set<string>();
    for (const o of index.in(file)) {
      const d = o.declaration;
      if (d.block !== block.name || o.span !== d.span || o.span.offset > offset || seen.has(d.name)) continue;
      if (d.kind === "local" || d.kind === "input" || d.kind === "loopVar" || d.kind === "blockParam") {
        seen.add(d.name);
        out.push({ label: d.name, kind: "local", detail: d.kind === "loopVar" ? "loop variable" : d.kind });
      }
    }
  }
  if (arch) {
    for (const p of arch.params.values()) out.push({ label: p.name, kind: "param", detail: `param ${p.name}: ${p.type.name}${p.hfKeys.length ? ` <- ${p.hfKeys.map((k) => k.join(".")).join(" | ")}` : ""}` });
    for (const l of arch.lets.values()) out.push({ label: l.name, kind: "let", detail: `let ${l.name}` });
    for (const b of arch.blocks.values()) out.push({ label: b.name, kind: "block", detail: `block ${b.name}${b.definedIn !== arch.name ? ` (from ${b.definedIn})` : ""}` });
  }
  return out;
}
