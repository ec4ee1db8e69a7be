// Which name in a workspace means which declaration. The editor features (go to definition,
// references, rename, hover on a name) all read this one index, built from the AST and, inside
// forward bodies, from what the checker resolved each name to.
import type * as A from "../compiler/ast/nodes.js";
import type { ArchIR } from "../compiler/ir/model.js";
import { resolvedNodes } from "./resolved-nodes.js";
import type { ResolvedExpr } from "../compiler/resolved/nodes.js";
import type { Workspace } from "../compiler/workspace.js";

export type DeclarationKind = "arch" | "param" | "let" | "block" | "preset" | "submodule" | "local" | "input" | "blockParam" | "loopVar";

export interface Declaration {
  kind: DeclarationKind;
  name: string;
  /** The span of the name where it is declared. */
  span: A.Span;
  /** The arch whose file declares it. */
  arch: string;
  /** For locals, inputs, block params and submodules: the block they belong to. */
  block?: string;
}

/** One written name and what it means. The declaration's own name is an occurrence too. */
export interface Occurrence {
  span: A.Span;
  declaration: Declaration;
}

export const declarationKey = (d: Declaration): string => `${d.span.file}:${d.span.offset}`;

/** The span of `name` at or after `from` inside `outer` (statements keep no span per bound name). */
function nameSpanWithin(text: string | undefined, outer: A.Span, name: string, skip = 0): A.Span {
  const slice = text?.slice(outer.offset, outer.offset + outer.length) ?? "";
  const at = new RegExp(`\\b${name.replace(/[$]/g, "\\$")}\\b`, "g");
  at.lastIndex = skip;
  const m = at.exec(slice);
  const rel = m ? m.index : 0;
  const before = slice.slice(0, rel);
  const newlines = before.split("\n").length - 1;
  const col = newlines ? rel - before.lastIndexOf("\n") : outer.col + rel;
  return { file: outer.file, offset: outer.offset + rel, length: name.length, line: outer.line + newlines, col };
}

const keywordLength = (kw: string) => kw.length + 1;

export class SymbolIndex {
  private readonly occurrences = new Map<string, Occurrence[]>();
  private readonly archDecls = new Map<string, Declaration>();

  constructor(private readonly ws: Workspace) {
    for (const f of ws.files) for (const a of f.archs) this.archDecls.set(a.name, { kind: "arch", name: a.name, span: a.nameSpan, arch: a.name });
  }

  /** Every occurrence in a file, in source order. A file is indexed when first asked about: a hover needs one file, references need them all. */
  in(file: string): readonly Occurrence[] {
    let found = this.occurrences.get(file);
    if (!found) {
      const f = this.ws.files.find((x) => x.path === file);
      found = f ? new FileIndexer(this.ws, f, this.archDecls).run() : [];
      this.occurrences.set(file, found);
    }
    return found;
  }

  /** The occurrence covering `offset` in `file`, if a name is there. */
  at(file: string, offset: number): Occurrence | undefined {
    return this.in(file).find((o) => offset >= o.span.offset && offset <= o.span.offset + o.span.length);
  }

  /** Every occurrence of a declaration across the workspace (its own name included). */
  references(d: Declaration): Occurrence[] {
    const key = declarationKey(d);
    return this.ws.files.flatMap((f) => this.in(f.path)).filter((o) => declarationKey(o.declaration) === key);
  }

  /** Top-level declarations of a file: archs with their params, lets, blocks and presets. */
  outline(file: string): { arch: Declaration; members: Declaration[] }[] {
    const f = this.ws.files.find((x) => x.path === file);
    if (!f) return [];
    return f.archs.map((a) => ({
      arch: this.archDecls.get(a.name)!,
      members: this.in(file)
        .filter((o) => o.declaration.arch === a.name && o.span === o.declaration.span && !o.declaration.block && o.declaration.kind !== "arch")
        .map((o) => o.declaration),
    }));
  }
}

/** Builds the occurrences of one file. */
class FileIndexer {
  private readonly out: Occurrence[] = [];
  private readonly text: string | undefined;

  constructor(
    private readonly ws: Workspace,
    private readonly file: A.SourceFile,
    private readonly archDecls: ReadonlyMap<string, Declaration>,
  ) {
    this.text = ws.sources.get(file.path);
  }

  run(): Occurrence[] {
    for (const a of this.file.archs) this.arch(a);
    return this.out.sort((x, y) => x.span.offset - y.span.offset);
  }

  private add(span: A.Span, declaration: Declaration | undefined): void {
    if (declaration) this.out.push({ span, declaration });
  }

  private arch(a: A.ArchDecl): void {
    const ir = this.ws.archs.get(a.name);
    this.add(a.nameSpan, this.archDecls.get(a.name));
    if (a.base) this.add(a.base.span, this.archDecls.get(a.base.name));
    if (!ir) return;
    const config = new ConfigNames(ir, this.ws, this.archDecls);
    for (const m of a.members) {
      switch (m.kind) {
        case "param":
          this.add(m.nameSpan, config.lookup(m.name));
          if (m.default) this.configExpr(m.default, config);
          break;
        case "let":
          this.add(m.nameSpan, config.lookup(m.name));
          this.configExpr(m.value, config);
          break;
        case "require":
          this.configExpr(m.cond, config);
          break;
        case "preset":
          this.add(m.nameSpan, { kind: "preset", name: m.name, span: m.nameSpan, arch: a.name });
          for (const v of m.values) {
            this.add({ ...v.span, length: v.name.length }, config.lookup(v.name));
            this.configExpr(v.value, config);
          }
          break;
        case "block":
          this.block(m, ir, config);
          break;
        default:
          break;
      }
    }
  }

  private configExpr(e: A.Expr, config: ConfigNames, block?: A.BlockDecl): void {
    walkExpr(e, (x) => {
      // A callee is a name too: a block instantiated by a submodule declaration.
      if (x.kind === "name") this.add(x.span, (block && blockParamDecl(block, x.name, config.arch.name)) ?? config.lookup(x.name) ?? config.block(x.name));
    });
  }

  private block(b: A.BlockDecl, ir: ArchIR, config: ConfigNames): void {
    const arch = ir.name;
    this.add(b.nameSpan, config.block(b.name));
    for (const p of b.params) this.add({ ...p.span, length: p.name.length }, blockParamDecl(b, p.name, arch));
    if (b.alias) this.configExpr(b.alias, config, b);
    for (const s of b.submodules) {
      this.add(s.nameSpan, { kind: "submodule", name: s.name, span: s.nameSpan, arch, block: b.name });
      this.configExpr(s.module, config, b);
      if (s.cond) this.configExpr(s.cond, config, b);
    }
    for (const t of [...(b.forward?.params.map((p) => p.type) ?? []), ...(b.forward?.result ? [b.forward.result] : [])]) {
      for (const dim of t.dims) this.configExpr(dim, config, b);
    }
    if (b.forward) new ForwardIndexer(this, b, ir, config, resolvedNodes(ir), this.text).run();
  }

  /** For the forward indexer: records an occurrence. */
  record(span: A.Span, d: Declaration | undefined): void {
    this.add(span, d);
  }
}

/** Names of an arch's config scope (params, lets, blocks), found where they are declared. */
class ConfigNames {
  constructor(
    readonly arch: ArchIR,
    private readonly ws: Workspace,
    private readonly archDecls: ReadonlyMap<string, Declaration>,
  ) {}

  lookup(name: string): Declaration | undefined {
    const p = this.arch.params.get(name);
    const l = this.arch.lets.get(name);
    const owner = p?.definedIn ?? l?.definedIn;
    return owner ? this.memberDecl(owner, name) : undefined;
  }

  block(name: string): Declaration | undefined {
    const b = this.arch.blocks.get(name);
    return b ? { kind: "block", name, span: b.nameSpan, arch: b.definedIn } : undefined;
  }

  /** The first declaration of `name` up the chain from `owner` (an `override` points at its base's). */
  private memberDecl(owner: string, name: string): Declaration | undefined {
    let found: Declaration | undefined;
    for (const archName of this.arch.lineage.slice(this.arch.lineage.indexOf(owner))) {
      const decl = this.ws.files.flatMap((f) => f.archs).find((a) => a.name === archName);
      const m = decl?.members.find((x): x is A.ParamDecl | A.LetDecl => (x.kind === "param" || x.kind === "let") && x.name === name);
      if (m) found = { kind: m.kind, name, span: m.nameSpan, arch: archName };
    }
    return found && this.archDecls.has(found.arch) ? found : undefined;
  }
}

function blockParamDecl(b: A.BlockDecl, name: string, arch: string): Declaration | undefined {
  const p = b.params.find((x) => x.name === name);
  return p ? { kind: "blockParam", name, span: { ...p.span, length: name.length }, arch, block: b.name } : undefined;
}

/** Names inside one forward body, resolved through the resolved IR's bindings and the body's own scopes. */
class ForwardIndexer {
  private readonly scopes: Map<string, Declaration>[] = [];

  constructor(
    private readonly file: FileIndexer,
    private readonly b: A.BlockDecl,
    private readonly ir: ArchIR,
    private readonly config: ConfigNames,
    private readonly resolved: ReadonlyMap<A.Expr, ResolvedExpr>,
    private readonly text: string | undefined,
  ) {}

  run(): void {
    const fwd = this.b.forward!;
    const inputs = new Map<string, Declaration>();
    for (const f of fwd.params) {
      const d: Declaration = { kind: "input", name: f.name, span: { ...f.span, length: f.name.length }, arch: this.ir.name, block: this.b.name };
      inputs.set(f.name, d);
      this.file.record(d.span, d);
    }
    this.scopes.push(inputs);
    this.stmts(fwd.body);
  }

  private declare(kind: DeclarationKind, name: string, span: A.Span): void {
    const d: Declaration = { kind, name, span, arch: this.ir.name, block: this.b.name };
    this.scopes[this.scopes.length - 1]!.set(name, d);
    this.file.record(span, d);
  }

  private local(name: string): Declaration | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const d = this.scopes[i]!.get(name);
      if (d) return d;
    }
    return undefined;
  }

  private stmts(body: readonly A.Stmt[]): void {
    for (const s of body) {
      switch (s.kind) {
        case "let":
          this.expr(s.value);
          for (const n of s.names) this.declare("local", n, nameSpanWithin(this.text, s.span, n, keywordLength("let")));
          break;
        case "assign":
          this.expr(s.value);
          for (const n of s.names) this.file.record(nameSpanWithin(this.text, s.span, n), this.local(n));
          break;
        case "return":
          s.values.forEach((v) => this.expr(v));
          break;
        case "emit":
          if (s.index) this.expr(s.index);
          this.expr(s.value);
          break;
        case "for":
          this.expr(s.iter);
          this.scopes.push(new Map());
          this.declare("loopVar", s.variable, nameSpanWithin(this.text, s.span, s.variable, keywordLength("for")));
          this.stmts(s.body);
          this.scopes.pop();
          break;
        case "if":
          this.expr(s.cond);
          this.scopes.push(new Map());
          this.stmts(s.then);
          this.scopes.pop();
          this.scopes.push(new Map());
          this.stmts(s.else ?? []);
          this.scopes.pop();
          break;
      }
    }
  }

  private expr(e: A.Expr): void {
    walkExpr(e, (x) => {
      const name = x.kind === "name" ? x : x.kind === "call" && x.callee.kind === "name" ? x.callee : undefined;
      if (!name || name.kind !== "name") return;
      const node = this.resolved.get(name);
      switch (node?.kind === "name" ? node.binding?.kind : undefined) {
        case "config":
          return this.file.record(name.span, this.config.lookup(name.name));
        case "blockParam":
          return this.file.record(name.span, blockParamDecl(this.b, name.name, this.ir.name));
        case "submodule": {
          const s = this.ir.blocks.get(this.b.name)?.submodules.find((m) => m.name === name.name) ?? this.b.submodules.find((m) => m.name === name.name);
          return this.file.record(name.span, s && { kind: "submodule", name: s.name, span: s.nameSpan, arch: this.ir.blocks.get(this.b.name)?.definedIn ?? this.ir.name, block: this.b.name });
        }
        default:
          return this.file.record(name.span, this.local(name.name) ?? this.config.lookup(name.name));
      }
    });
  }
}

/** Visits an expression and every expression inside it, outermost first. */
export function walkExpr(e: A.Expr, visit: (e: A.Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case "unary":
      return walkExpr(e.operand, visit);
    case "binary":
      walkExpr(e.left, visit);
      return walkExpr(e.right, visit);
    case "if":
      walkExpr(e.cond, visit);
      walkExpr(e.then, visit);
      return walkExpr(e.else, visit);
    case "range":
      walkExpr(e.from, visit);
      return walkExpr(e.to, visit);
    case "call":
      walkExpr(e.callee, visit);
      return e.args.forEach((a) => walkExpr(a.value, visit));
    case "index":
      walkExpr(e.target, visit);
      return walkExpr(e.index, visit);
    case "member":
      return walkExpr(e.target, visit);
    case "list":
      return e.items.forEach((i) => walkExpr(i, visit));
    case "comprehension":
      walkExpr(e.item, visit);
      return walkExpr(e.iter, visit);
    default:
      return;
  }
}
