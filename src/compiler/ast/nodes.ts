// The abstract syntax of .arch files. Every node carries the span it came from so that
// any later stage can point a diagnostic at the exact source text.

import type { Span } from "../span.js";

export type { Span } from "../span.js";

export type Expr =
  | { kind: "num"; value: number; isFloat: boolean; span: Span }
  | { kind: "str"; value: string; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "null"; span: Span }
  | { kind: "name"; name: string; span: Span }
  | { kind: "unary"; op: "-" | "!"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "if"; cond: Expr; then: Expr; else: Expr; span: Span }
  | { kind: "range"; from: Expr; to: Expr; span: Span }
  | { kind: "call"; callee: Expr; args: Arg[]; span: Span }
  | { kind: "index"; target: Expr; index: Expr; span: Span }
  | { kind: "member"; target: Expr; name: string; span: Span }
  | { kind: "list"; items: Expr[]; span: Span }
  | { kind: "comprehension"; item: Expr; variable: string; iter: Expr; span: Span };

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "//" | "%" | "**" | "@"
  | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in"
  | "&&" | "||" | "??";

export interface Arg {
  keyword?: string;
  value: Expr;
  span: Span;
}

export interface TypeRef {
  name: string; // int | float | bool | string
  list: boolean;
  optional: boolean;
  span: Span;
}

export interface TensorType {
  ids: boolean; // integer tensor (token ids, masks)
  dims: Expr[];
  span: Span;
}

export interface HfDecl {
  kind: "hf";
  modelTypes: string[];
  classes: { hfClass: string; block: string; span: Span }[];
  span: Span;
}

export interface ParamDecl {
  kind: "param";
  override: boolean;
  name: string;
  type: TypeRef;
  default?: Expr;
  hfKeys: string[][]; // alternatives, each a dotted path into config.json
  span: Span;
  nameSpan: Span;
}

export interface LetDecl {
  kind: "let";
  override: boolean;
  name: string;
  /** Present for a function (`let mix(x, prev, m) = …`): its parameter names. */
  params?: string[];
  value: Expr;
  span: Span;
  nameSpan: Span;
}

export interface RequireDecl {
  kind: "require";
  cond: Expr;
  message?: string;
  span: Span;
}

export interface IgnoreDecl {
  kind: "ignore";
  keys: string[][];
  span: Span;
}

export interface RootDecl {
  kind: "root";
  block: string;
  span: Span;
}

export interface PresetDecl {
  kind: "preset";
  name: string;
  root?: string;
  values: { name: string; value: Expr; span: Span }[];
  span: Span;
  nameSpan: Span;
}

export interface BlockParam {
  name: string;
  type: TypeRef;
  default?: Expr;
  span: Span;
}

export interface SubmoduleDecl {
  kind: "submodule";
  name: string;
  module: Expr; // a block instantiation, list of them, comprehension or if-expression
  className?: Expr;
  cond?: Expr;
  span: Span;
  nameSpan: Span;
}

export interface TieDecl {
  kind: "tie";
  target: string[];
  source: string[];
  cond?: Expr;
  span: Span;
}

export interface Formal {
  name: string;
  /** For a scalar input (`e: int`, the expert a fused-expert block computes) `type` has no dims. */
  type: TensorType;
  scalar?: { name: string; span: Span };
  default?: Expr;
  span: Span;
}

export interface ForwardDecl {
  kind: "forward";
  params: Formal[];
  result?: TensorType;
  body: Stmt[];
  span: Span;
}

export type Stmt =
  | { kind: "let"; names: string[]; value: Expr; span: Span }
  | { kind: "assign"; names: string[]; value: Expr; span: Span }
  | { kind: "return"; values: Expr[]; span: Span }
  | { kind: "emit"; name: string; index?: Expr; value: Expr; span: Span }
  | { kind: "for"; variable: string; iter: Expr; body: Stmt[]; span: Span }
  | { kind: "if"; cond: Expr; then: Stmt[]; else?: Stmt[]; span: Span };

export interface BlockDecl {
  kind: "block";
  override: boolean;
  name: string;
  params: BlockParam[];
  alias?: Expr; // `block Norm(dim: int) = RMSNorm(dim, eps = eps)`
  className?: { value: string; span: Span };
  repr?: { value: string; span: Span };
  submodules: SubmoduleDecl[];
  ties: TieDecl[];
  forward?: ForwardDecl;
  span: Span;
  nameSpan: Span;
}

export type Member = HfDecl | ParamDecl | LetDecl | RequireDecl | IgnoreDecl | BlockDecl | RootDecl | PresetDecl;

export interface ArchDecl {
  kind: "arch";
  name: string;
  base?: { name: string; span: Span };
  members: Member[];
  span: Span;
  nameSpan: Span;
}

export interface SourceFile {
  path: string;
  text: string;
  archs: ArchDecl[];
}
