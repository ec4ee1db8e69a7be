// CST → AST. Written defensively: with error recovery on, any child may be missing, and a
// partial tree must still turn into a partial AST (the syntax errors are already reported).
import type { CstNode, IToken, CstElement } from "chevrotain";
import { parseArchText } from "../../../grammar/parser.js";
import { expectedTokens } from "../../../grammar/syntax-errors.js";
import { childLabels } from "../../../grammar/cst-labels.js";
import * as T from "../../../grammar/tokens.js";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type * as A from "./nodes.js";
import { isStackOverflow, stackExhausted, tokenNesting, treeNesting } from "./limits.js";

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && (e as IToken).image !== undefined;
}

/** The builder asked a CST node for a child its grammar rule never produces: a bug in this file. */
export class CstLabelError extends Error {
  constructor(rule: string, label: string) {
    super(`the grammar rule \`${rule}\` has no child labelled \`${label}\` (see grammar/parser.ts)`);
  }
}

/** Each CST node's children object → the node's rule, so that child reads can be checked. */
function indexRules(root: CstNode): WeakMap<Children, string> {
  const out = new WeakMap<Children, string>();
  const stack: CstNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.set(n.children, n.name);
    for (const list of Object.values(n.children)) for (const e of list ?? []) if (!isToken(e)) stack.push(e as CstNode);
  }
  return out;
}

export class Builder {
  private readonly ruleOf: WeakMap<Children, string>;

  constructor(
    private readonly file: string,
    root: CstNode,
  ) {
    this.ruleOf = indexRules(root);
  }

  /** The children under `label`; a label the node's rule cannot have throws rather than reads as missing. */
  children(c: Children, label: string): CstElement[] | undefined {
    const rule = this.ruleOf.get(c) ?? "<unknown>";
    if (!childLabels.get(rule)?.has(label)) throw new CstLabelError(rule, label);
    return c[label];
  }

  /** Whether the node has a child under `label` (an optional keyword or bracket was written). */
  has(c: Children, label: string): boolean {
    return (this.children(c, label)?.length ?? 0) > 0;
  }

  tokenSpan(t: IToken): A.Span {
    return { file: this.file, line: t.startLine ?? 1, col: t.startColumn ?? 1, offset: t.startOffset, length: t.image.length };
  }

  nodeSpan(n: CstNode): A.Span {
    const l = n.location;
    if (!l || Number.isNaN(l.startOffset)) return { file: this.file, line: 1, col: 1, offset: 0, length: 0 };
    const end = Number.isNaN(l.endOffset ?? NaN) ? l.startOffset : (l.endOffset as number);
    return { file: this.file, line: l.startLine ?? 1, col: l.startColumn ?? 1, offset: l.startOffset, length: end - l.startOffset + 1 };
  }

  tok(c: Children, label: string, i = 0): IToken | undefined {
    const e = this.children(c, label)?.[i];
    return isToken(e) ? e : undefined;
  }

  toks(c: Children, label: string): IToken[] {
    return (this.children(c, label) ?? []).filter(isToken);
  }

  node(c: Children, label: string, i = 0): CstNode | undefined {
    const e = this.children(c, label)?.[i];
    return e && !isToken(e) ? (e as CstNode) : undefined;
  }

  nodes(c: Children, label: string): CstNode[] {
    return (this.children(c, label) ?? []).filter((e): e is CstNode => !isToken(e));
  }

  image(c: Children, label: string, i = 0): string {
    return this.tok(c, label, i)?.image ?? "<missing>";
  }

  file_(n: CstNode): A.ArchDecl[] {
    return this.nodes(n.children, "archDecl").map((a) => this.arch(a));
  }

  arch(n: CstNode): A.ArchDecl {
    const c = n.children;
    const nameTok = this.tok(c, "name");
    const baseTok = this.tok(c, "base");
    return {
      kind: "arch",
      name: nameTok?.image ?? "<missing>",
      ...(baseTok ? { base: { name: baseTok.image, span: this.tokenSpan(baseTok) } } : {}),
      members: this.nodes(c, "member").flatMap((m) => this.member(m)),
      span: this.nodeSpan(n),
      nameSpan: nameTok ? this.tokenSpan(nameTok) : this.nodeSpan(n),
    };
  }

  member(n: CstNode): A.Member[] {
    const c = n.children;
    const [key] = Object.keys(c);
    const inner = key ? this.node(c, key) : undefined;
    if (!inner) return [];
    switch (inner.name) {
      case "hfDecl": return [this.hf(inner)];
      case "paramDecl": return [this.param(inner)];
      case "letDecl": return [this.letDecl(inner)];
      case "requireDecl": return [this.require(inner)];
      case "ignoreDecl": return [{ kind: "ignore", keys: this.nodes(inner.children, "hfKey").map((k) => this.hfKey(k)), span: this.nodeSpan(inner) }];
      case "blockDecl": return [this.block(inner)];
      case "rootDecl": return [{ kind: "root", block: this.image(inner.children, "block"), span: this.nodeSpan(inner) }];
      case "presetDecl": return [this.preset(inner)];
      default: return [];
    }
  }

  hf(n: CstNode): A.HfDecl {
    const c = n.children;
    return {
      kind: "hf",
      modelTypes: this.toks(c, "modelType").map((t) => unquote(t.image)),
      classes: this.nodes(c, "hfClassMap").map((m) => ({
        hfClass: this.image(m.children, "hfClass"),
        block: this.image(m.children, "block"),
        span: this.nodeSpan(m),
      })),
      span: this.nodeSpan(n),
    };
  }

  hfKey(n: CstNode): string[] {
    const s = this.tok(n.children, "StringLit");
    if (s) return unquote(s.image).split(".");
    return this.toks(n.children, "part").map((t) => t.image);
  }

  typeRef(n: CstNode | undefined): A.TypeRef {
    if (!n) return { name: "int", list: false, optional: false, span: { file: this.file, line: 1, col: 1, offset: 0, length: 0 } };
    const c = n.children;
    return { name: this.image(c, "name"), list: this.has(c, "LBracket"), optional: this.has(c, "Question"), span: this.nodeSpan(n) };
  }

  param(n: CstNode): A.ParamDecl {
    const c = n.children;
    const nameTok = this.tok(c, "name");
    const def = this.node(c, "default");
    return {
      kind: "param",
      override: this.has(c, "Override"),
      name: nameTok?.image ?? "<missing>",
      type: this.typeRef(this.node(c, "typeRef")),
      ...(def ? { default: this.expr(def) } : {}),
      hfKeys: this.nodes(c, "hfKey").map((k) => this.hfKey(k)),
      span: this.nodeSpan(n),
      nameSpan: nameTok ? this.tokenSpan(nameTok) : this.nodeSpan(n),
    };
  }

  letDecl(n: CstNode): A.LetDecl {
    const c = n.children;
    const nameTok = this.tok(c, "name");
    return {
      kind: "let",
      override: this.has(c, "Override"),
      name: nameTok?.image ?? "<missing>",
      ...(c["LParen"] ? { params: ((c["fnParam"] ?? []) as IToken[]).map((t) => t.image) } : {}),
      value: this.exprOr(this.node(c, "value"), n),
      span: this.nodeSpan(n),
      nameSpan: nameTok ? this.tokenSpan(nameTok) : this.nodeSpan(n),
    };
  }

  require(n: CstNode): A.RequireDecl {
    const c = n.children;
    const msg = this.tok(c, "message");
    return { kind: "require", cond: this.exprOr(this.node(c, "cond"), n), ...(msg ? { message: unquote(msg.image) } : {}), span: this.nodeSpan(n) };
  }

  preset(n: CstNode): A.PresetDecl {
    const c = n.children;
    const nameTok = this.tok(c, "name");
    const root = this.tok(c, "root");
    return {
      kind: "preset",
      name: nameTok ? unquote(nameTok.image) : "<missing>",
      ...(root ? { root: root.image } : {}),
      values: this.nodes(c, "presetAssign").map((a) => ({
        name: this.image(a.children, "name"),
        value: this.exprOr(this.node(a.children, "value"), a),
        span: this.nodeSpan(a),
      })),
      span: this.nodeSpan(n),
      nameSpan: nameTok ? this.tokenSpan(nameTok) : this.nodeSpan(n),
    };
  }

  block(n: CstNode): A.BlockDecl {
    const c = n.children;
    const nameTok = this.tok(c, "name");
    const paramsNode = this.node(c, "blockParams");
    const alias = this.node(c, "alias");
    const decl: A.BlockDecl = {
      kind: "block",
      override: this.has(c, "Override"),
      name: nameTok?.image ?? "<missing>",
      params: paramsNode ? this.nodes(paramsNode.children, "blockParam").map((p) => this.blockParam(p)) : [],
      ...(alias ? { alias: this.expr(alias) } : {}),
      submodules: [],
      ties: [],
      span: this.nodeSpan(n),
      nameSpan: nameTok ? this.tokenSpan(nameTok) : this.nodeSpan(n),
    };
    const body = this.node(c, "blockBody");
    for (const item of body ? this.nodes(body.children, "blockItem") : []) {
      const [key] = Object.keys(item.children);
      const inner = key ? this.node(item.children, key) : undefined;
      if (!inner) continue;
      const ic = inner.children;
      switch (inner.name) {
        case "classItem": {
          const t = this.tok(ic, "value");
          if (t) decl.className = { value: unquote(t.image), span: this.tokenSpan(t) };
          break;
        }
        case "reprItem": {
          const t = this.tok(ic, "value");
          if (t) decl.repr = { value: unquote(t.image), span: this.tokenSpan(t) };
          break;
        }
        case "tieItem": {
          const cond = this.node(ic, "cond");
          decl.ties.push({
            kind: "tie",
            target: this.path(this.node(ic, "target")),
            source: this.path(this.node(ic, "source")),
            ...(cond ? { cond: this.expr(cond) } : {}),
            span: this.nodeSpan(inner),
          });
          break;
        }
        case "forwardDecl":
          decl.forward = this.forward(inner);
          break;
        case "submoduleDecl": {
          const nt = this.tok(ic, "name");
          const cls = this.node(ic, "className");
          const cond = this.node(ic, "cond");
          decl.submodules.push({
            kind: "submodule",
            name: nt?.image ?? "<missing>",
            module: this.exprOr(this.node(ic, "module"), inner),
            ...(cls ? { className: this.expr(cls) } : {}),
            ...(cond ? { cond: this.expr(cond) } : {}),
            span: this.nodeSpan(inner),
            nameSpan: nt ? this.tokenSpan(nt) : this.nodeSpan(inner),
          });
          break;
        }
      }
    }
    return decl;
  }

  blockParam(n: CstNode): A.BlockParam {
    const c = n.children;
    const def = this.node(c, "default");
    return { name: this.image(c, "name"), type: this.typeRef(this.node(c, "typeRef")), ...(def ? { default: this.expr(def) } : {}), span: this.nodeSpan(n) };
  }

  path(n: CstNode | undefined): string[] {
    return n ? this.toks(n.children, "part").map((t) => t.image) : [];
  }

  forward(n: CstNode): A.ForwardDecl {
    const c = n.children;
    const result = this.node(c, "result");
    const body = this.node(c, "stmtBlock");
    return {
      kind: "forward",
      params: this.nodes(c, "formal").map((f) => {
        const def = this.node(f.children, "default");
        const scalar = this.tok(f.children, "scalarType");
        return {
          name: this.image(f.children, "name"),
          type: this.tensorType(this.node(f.children, "tensorType"), f),
          ...(scalar ? { scalar: { name: scalar.image, span: this.tokenSpan(scalar) } } : {}),
          ...(def ? { default: this.expr(def) } : {}),
          span: this.nodeSpan(f),
        };
      }),
      ...(result ? { result: this.tensorType(result, n) } : {}),
      body: body ? this.stmts(body) : [],
      span: this.nodeSpan(n),
    };
  }

  tensorType(n: CstNode | undefined, around: CstNode): A.TensorType {
    if (!n) return { ids: false, dims: [], span: this.nodeSpan(around) };
    const c = n.children;
    return { ids: this.has(c, "Ids"), dims: this.nodes(c, "dim").map((d) => this.expr(d)), span: this.nodeSpan(n) };
  }

  stmts(block: CstNode): A.Stmt[] {
    return this.nodes(block.children, "stmt").flatMap((s) => {
      const [key] = Object.keys(s.children);
      const inner = key ? this.node(s.children, key) : undefined;
      return inner ? [this.stmt(inner)] : [];
    });
  }

  stmt(n: CstNode): A.Stmt {
    const c = n.children;
    const span = this.nodeSpan(n);
    switch (n.name) {
      case "letStmt":
        return { kind: "let", names: this.toks(c, "name").map((t) => t.image), value: this.exprOr(this.node(c, "value"), n), span };
      case "assignStmt":
        return { kind: "assign", names: this.toks(c, "name").map((t) => t.image), value: this.exprOr(this.node(c, "value"), n), span };
      case "returnStmt":
        return { kind: "return", values: this.nodes(c, "value").map((v) => this.expr(v)), span };
      case "emitStmt": {
        const idx = this.node(c, "index");
        return { kind: "emit", name: this.image(c, "name"), ...(idx ? { index: this.expr(idx) } : {}), value: this.exprOr(this.node(c, "value"), n), span };
      }
      case "forStmt": {
        const body = this.node(c, "stmtBlock");
        return { kind: "for", variable: this.image(c, "var"), iter: this.exprOr(this.node(c, "iter"), n), body: body ? this.stmts(body) : [], span };
      }
      case "ifStmt": {
        const then = this.node(c, "then");
        const elseIf = this.node(c, "elseIf");
        const els = this.node(c, "else");
        return {
          kind: "if",
          cond: this.exprOr(this.node(c, "cond"), n),
          then: then ? this.stmts(then) : [],
          ...(elseIf ? { else: [this.stmt(elseIf)] } : els ? { else: this.stmts(els) } : {}),
          span,
        };
      }
      default:
        return { kind: "return", values: [], span };
    }
  }

  exprOr(n: CstNode | undefined, around: CstNode): A.Expr {
    return n ? this.expr(n) : { kind: "null", span: this.nodeSpan(around) };
  }

  // Each precedence level either passes its single operand through or folds left.
  expr(n: CstNode): A.Expr {
    const c = n.children;
    const span = this.nodeSpan(n);
    switch (n.name) {
      case "expr": {
        const inner = this.node(c, "ifExpr") ?? this.node(c, "rangeExpr");
        return inner ? this.expr(inner) : { kind: "null", span };
      }
      case "ifExpr":
        return {
          kind: "if",
          cond: this.exprOr(this.node(c, "cond"), n),
          then: this.exprOr(this.node(c, "then"), n),
          else: this.exprOr(this.node(c, "else"), n),
          span,
        };
      case "rangeExpr": {
        const ops = this.nodes(c, "operand");
        const first = ops[0] ? this.expr(ops[0]) : ({ kind: "null", span } as A.Expr);
        if (ops.length < 2) return first;
        return { kind: "range", from: first, to: this.expr(ops[1]!), span };
      }
      case "coalesceExpr":
      case "orExpr":
      case "andExpr":
      case "cmpExpr":
      case "addExpr":
      case "mulExpr": {
        const operands = this.nodes(c, "operand").map((o) => this.expr(o));
        const ops = this.toks(c, "op").sort((a, b) => a.startOffset - b.startOffset);
        let acc = operands[0] ?? ({ kind: "null", span } as A.Expr);
        for (let i = 1; i < operands.length; i++) {
          const right = operands[i]!;
          const op = (ops[i - 1]?.image ?? "+") as A.BinaryOp;
          acc = { kind: "binary", op, left: acc, right, span: joinSpans(acc.span, right.span) };
        }
        return acc;
      }
      case "unaryExpr": {
        const op = this.tok(c, "op");
        const operand = this.node(c, "operand");
        const inner = operand ? this.expr(operand) : ({ kind: "null", span } as A.Expr);
        if (!op) return inner;
        if (op.image === "-" && inner.kind === "num") return { ...inner, value: -inner.value, span };
        return { kind: "unary", op: op.image as "-" | "!", operand: inner, span };
      }
      case "powerExpr": {
        const base = this.node(c, "base");
        const exp = this.node(c, "exponent");
        const b = base ? this.expr(base) : ({ kind: "null", span } as A.Expr);
        return exp ? { kind: "binary", op: "**", left: b, right: this.expr(exp), span } : b;
      }
      case "postfixExpr":
        return this.postfix(n);
      case "primary":
        return this.primary(n);
      default:
        return { kind: "null", span };
    }
  }

  postfix(n: CstNode): A.Expr {
    const c = n.children;
    const prim = this.node(c, "primary");
    let acc: A.Expr = prim ? this.primary(prim) : { kind: "null", span: this.nodeSpan(n) };
    const suffixes = [...this.nodes(c, "callSuffix"), ...this.nodes(c, "indexSuffix"), ...this.nodes(c, "memberSuffix")].sort(
      (a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0),
    );
    for (const s of suffixes) {
      const span = joinSpans(acc.span, this.nodeSpan(s));
      const sc = s.children;
      if (s.name === "callSuffix") {
        const args = this.nodes(sc, "arg").map((a) => {
          const kw = this.tok(a.children, "keyword");
          return { ...(kw ? { keyword: kw.image } : {}), value: this.exprOr(this.node(a.children, "value"), a), span: this.nodeSpan(a) };
        });
        acc = { kind: "call", callee: acc, args, span };
      } else if (s.name === "indexSuffix") {
        acc = { kind: "index", target: acc, index: this.exprOr(this.node(sc, "index"), s), span };
      } else {
        acc = { kind: "member", target: acc, name: this.image(sc, "name"), span };
      }
    }
    return acc;
  }

  primary(n: CstNode): A.Expr {
    const c = n.children;
    const span = this.nodeSpan(n);
    const f = this.tok(c, "float");
    if (f) return { kind: "num", value: Number(f.image), isFloat: true, span };
    const i = this.tok(c, "int");
    if (i) return { kind: "num", value: Number(i.image), isFloat: false, span };
    const s = this.tok(c, "string");
    if (s) return { kind: "str", value: unquote(s.image), span };
    if (this.tok(c, "true")) return { kind: "bool", value: true, span };
    if (this.tok(c, "false")) return { kind: "bool", value: false, span };
    if (this.tok(c, "null")) return { kind: "null", span };
    const name = this.tok(c, "name");
    if (name) return { kind: "name", name: name.image, span };
    const paren = this.node(c, "parenExpr");
    if (paren) return this.exprOr(this.node(paren.children, "inner"), paren);
    const list = this.node(c, "listExpr");
    if (list) {
      const lc = list.children;
      const items = this.nodes(lc, "item").map((e) => this.expr(e));
      const iter = this.node(lc, "iter");
      if (iter && items[0]) return { kind: "comprehension", item: items[0], variable: this.image(lc, "var"), iter: this.expr(iter), span };
      return { kind: "list", items, span };
    }
    return { kind: "null", span };
  }
}

function joinSpans(a: A.Span, b: A.Span): A.Span {
  if (b.offset + b.length <= a.offset) return a;
  return { ...a, length: Math.max(a.length, b.offset + b.length - a.offset) };
}

export function unquote(s: string): string {
  if (s.length < 2) return s;
  return s.slice(1, -1).replace(/\\(.)/g, (_m, ch: string) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch === "r" ? "\r" : ch));
}

export interface ParseResult {
  file: A.SourceFile;
  diagnostics: Diagnostic[];
}

/** Parses one .arch text. Never throws on bad input: problems come back as diagnostics. */
export function parseArch(path: string, text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const tokens = T.archLexer.tokenize(text).tokens;
  const deep = tokenNesting(path, tokens);
  if (deep) return { file: { path, text, archs: [] }, diagnostics: [deep] };
  // An integer past 2^53 would silently become a nearby one (9007199254740993 → …992).
  for (const t of tokens) {
    if (t.tokenType !== T.Integer || BigInt(t.image) <= 2n ** 53n) continue;
    diagnostics.push(
      error("E0203", { file: path, line: t.startLine ?? 1, col: t.startColumn ?? 1, offset: t.startOffset, length: t.image.length }, `the integer ${t.image} is past 2^53 = 9007199254740992: it cannot be represented exactly`, {
        hint: "write it as a float (e.g. 1.0e30) if an approximate value is meant",
      }),
    );
  }
  let out: ReturnType<typeof parseArchText>;
  try {
    out = parseArchText(text);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return { file: { path, text, archs: [] }, diagnostics: [stackExhausted(path)] };
  }
  for (const e of out.lexErrors) {
    const ch = text.slice(e.offset, e.offset + Math.max(1, e.length));
    diagnostics.push(
      error("E0001", { file: path, line: e.line ?? 1, col: e.column ?? 1, offset: e.offset, length: Math.max(1, e.length) }, `unexpected character ${JSON.stringify(ch)}`, {
        hint: "identifiers are ASCII letters, digits and `_`; comments start with `#`",
      }),
    );
  }
  // A character the lexer dropped makes the rest of its line unparsable; one error is enough.
  // Likewise the errors error recovery finds after the first on a line are mostly its echoes.
  const lexLines = new Set(out.lexErrors.map((e) => e.line));
  const syntaxLines = new Set<number | undefined>();
  for (const e of out.parseErrors) {
    const t = e.token;
    const atEof = t.tokenType?.name === "EOF" || Number.isNaN(t.startOffset);
    if (!atEof && (lexLines.has(t.startLine) || syntaxLines.has(t.startLine))) continue;
    if (!atEof) syntaxLines.add(t.startLine);
    const prev = (e as { previousToken?: IToken }).previousToken;
    const span: A.Span = atEof
      ? prev && !Number.isNaN(prev.startOffset)
        ? { file: path, line: prev.endLine ?? prev.startLine ?? 1, col: (prev.endColumn ?? prev.startColumn ?? 0) + 1, offset: prev.endOffset ?? prev.startOffset, length: 1 }
        : { file: path, line: 1, col: 1, offset: 0, length: 1 }
      : { file: path, line: t.startLine ?? 1, col: t.startColumn ?? 1, offset: t.startOffset, length: t.image.length };
    const found = atEof ? "end of file" : `\`${t.image}\``;
    const expected = expectedTokens(e);
    // After an earlier error, "expected end of file" only means recovery lost track of a brace.
    if (expected.length === 1 && expected[0] === "EOF" && diagnostics.some((d) => d.code === "E0002")) continue;
    const closer = expected.length === 1 && closers.has(expected[0]!) ? expected[0]! : undefined;
    const prevLine = prev && !Number.isNaN(prev.startOffset) ? (prev.endLine ?? prev.startLine) : undefined;
    // A keyword where a name belongs (`for block in blocks`, `forward(ids: …)`).
    const wantsExpression = expressionStart.every((n) => expected.includes(n));
    const reservedAsName =
      !atEof &&
      T.keywords.includes(t.tokenType) &&
      ((expected.includes("Identifier") && !wantsExpression) || /^[ \t]*[:=,)]/.test(text.slice(t.startOffset + t.image.length)));
    // The token after a gap of lines is usually fine: what is missing ends the line before.
    const afterLineEnd = prevLine !== undefined && (atEof || (t.startLine ?? 0) > prevLine);
    const hint = reservedAsName
      ? `\`${t.image}\` is a keyword and cannot be used as a name; choose another name`
      : closer && afterLineEnd
        ? `is a ${tokenWord(closer)} missing at the end of line ${prevLine}?`
        : wantsExpression && afterLineEnd && prev
          ? `is a value missing after \`${prev.image}\` at the end of line ${prevLine}?`
          : undefined;
    diagnostics.push(error("E0002", span, `expected ${describeExpected(expected)}, found ${found}`, hint ? { hint } : {}));
  }
  let archs: A.ArchDecl[] = [];
  try {
    archs = new Builder(path, out.cst).file_(out.cst);
  } catch (e) {
    if (e instanceof CstLabelError) throw e;
    // A recovered CST can be arbitrarily partial; the syntax errors above already explain it.
    archs = [];
    if (isStackOverflow(e) || diagnostics.length === 0) diagnostics.push(stackExhausted(path));
  }
  const tooDeep = treeNesting(path, archs);
  if (tooDeep) {
    archs = [];
    diagnostics.push(tooDeep);
  }
  return { file: { path, text, archs }, diagnostics: dedupe(diagnostics) };
}

// The tokens that can start an expression: listed one by one they would only be noise.
const expressionStart = ["If", "Minus", "Bang", "Float", "Integer", "StringLit", "True", "False", "Null", "Identifier", "LParen", "LBracket"];
const closers = new Set(["RParen", "RBracket", "RBrace"]);

function describeExpected(names: string[]): string {
  let words = names;
  if (expressionStart.every((n) => names.includes(n))) words = ["expression", ...names.filter((n) => !expressionStart.includes(n))];
  const shown = words.slice(0, 8).map(tokenWord);
  if (words.length > 8) shown.push("…");
  if (shown.length <= 1) return shown[0] ?? "something else";
  return `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

const tokenWords: Record<string, string> = {
  expression: "an expression", LBrace: "`{`", RBrace: "`}`", LParen: "`(`", RParen: "`)`", LBracket: "`[`", RBracket: "`]`", Comma: "`,`",
  Colon: "`:`", Semicolon: "`;`", Assign: "`=`", Arrow: "`->`", LArrow: "`<-`", FatArrow: "`=>`", DotDot: "`..`", Dot: "`.`",
  EqEq: "`==`", NotEq: "`!=`", LtEq: "`<=`", GtEq: "`>=`", Lt: "`<`", Gt: "`>`", AndAnd: "`&&`", OrOr: "`||`", QQ: "`??`",
  Question: "`?`", Bang: "`!`", StarStar: "`**`", SlashSlash: "`//`", Plus: "`+`", Minus: "`-`", Star: "`*`", Slash: "`/`",
  Percent: "`%`", At: "`@`", Identifier: "a name", Integer: "an integer", Float: "a number", StringLit: "a string", EOF: "end of file",
};

// Keyword tokens are named after their word (`Param` for `param`).
function tokenWord(name: string): string {
  return tokenWords[name] ?? `\`${name.toLowerCase()}\``;
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.span?.offset}:${d.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
