// The resolved IR: a forward body as the checker understood it. Each expression carries its
// source span, its symbolic type (shape) and the syntax it was read from; each name says what it
// is bound to, each call what it calls (an op with its arguments bound by parameter name and
// the definition's defaults filled in, a module of a known type, or a config-level builtin).
// Stages after the checker (codegen, stats, the feature table, diff, draw, the exporters) read
// this instead of re-deriving what the checker knew.
import type * as A from "../ast/nodes.js";
import type { ModuleCallee, ModuleListT, ModuleT, Type } from "../check/types.js";
import type { ArchIR, BlockIR, LetIR, ParamIR, Value } from "../ir/model.js";
import type { OpDef } from "../ops/op-def.js";
import type { Span } from "../span.js";

/** What every resolved expression knows: where it is, what the checker inferred, what was written. */
interface Annotated<S extends A.Expr> {
  span: Span;
  /** The symbolic type; undefined where the checker reported an error (or never typed the expression, as in a config-level subexpression). */
  type: Type | undefined;
  /** The expression as written, for printing it back (`exprText`) or evaluating it as config. */
  syntax: S;
}

type Syntax<K extends A.Expr["kind"]> = Extract<A.Expr, { kind: K }>;

export type NameExpr = Annotated<Syntax<"name">> & { kind: "name"; name: string; binding: NameBinding | undefined };
export type CallExpr = Annotated<Syntax<"call">> & { kind: "call"; callee: ResolvedExpr; args: ResolvedArg[]; target: CallTarget | undefined };
export type BinaryExpr = Annotated<Syntax<"binary">> & { kind: "binary"; op: A.BinaryOp; left: ResolvedExpr; right: ResolvedExpr };

export type ResolvedExpr =
  | (Annotated<Syntax<"num">> & { kind: "num"; value: number; isFloat: boolean })
  | (Annotated<Syntax<"str">> & { kind: "str"; value: string })
  | (Annotated<Syntax<"bool">> & { kind: "bool"; value: boolean })
  | (Annotated<Syntax<"null">> & { kind: "null" })
  | NameExpr
  | (Annotated<Syntax<"unary">> & { kind: "unary"; op: "-" | "!"; operand: ResolvedExpr })
  | BinaryExpr
  | (Annotated<Syntax<"if">> & { kind: "if"; cond: ResolvedExpr; then: ResolvedExpr; else: ResolvedExpr })
  | (Annotated<Syntax<"range">> & { kind: "range"; from: ResolvedExpr; to: ResolvedExpr })
  | CallExpr
  | (Annotated<Syntax<"index">> & { kind: "index"; target: ResolvedExpr; index: ResolvedExpr })
  | (Annotated<Syntax<"member">> & { kind: "member"; target: ResolvedExpr; name: string })
  | (Annotated<Syntax<"list">> & { kind: "list"; items: ResolvedExpr[] })
  | (Annotated<Syntax<"comprehension">> & { kind: "comprehension"; item: ResolvedExpr; variable: string; iter: ResolvedExpr });

/** One argument as the call wrote it. */
export interface ResolvedArg {
  keyword?: string;
  value: ResolvedExpr;
  span: Span;
}

/** Where a local of a forward body was declared. */
export type LocalDecl =
  | { kind: "input"; formal: A.Formal }
  /** A free dimension of an input's declared shape (`B` in `x: [B, T, d]`). */
  | { kind: "dim"; formal: A.Formal; axis: number }
  /** The latest `let` of the name before the use. */
  | { kind: "let"; stmt: Extract<A.Stmt, { kind: "let" }> };

/** What a name in a forward body denotes. */
export type NameBinding =
  | { kind: "local"; decl: LocalDecl | undefined }
  | { kind: "loopVar"; decl: Extract<A.Stmt, { kind: "for" }> | undefined; overModules: boolean }
  | { kind: "submodule"; decl: A.SubmoduleDecl | undefined; type: ModuleT | ModuleListT }
  | { kind: "blockParam"; decl: A.BlockParam | undefined }
  | { kind: "config"; decl: ParamIR | LetIR | undefined };

/** An op's argument for one parameter: the expression the call wrote, or the definition's default. */
export type OpArgument = { kind: "written"; expr: ResolvedExpr; keyword: boolean } | { kind: "default"; value: Value };

export interface OpTarget {
  kind: "op";
  def: OpDef;
  /** The call's index among the block's stateful op calls (its state key); -1 for a stateless op. */
  site: number;
  /** Parameter name → argument: the written ones in the order written, then the defaults of those left out. */
  args: Map<string, OpArgument>;
  /** Positional arguments past the parameters (a variadic op's extra tensors). */
  rest: ResolvedExpr[];
}

/** What a call calls. */
export type CallTarget =
  | OpTarget
  | { kind: "module"; module: ModuleT }
  /** A config-level function (`min`, `max`, …) evaluated on config values. */
  | { kind: "builtin"; name: string };

export type ResolvedStmt =
  | { kind: "let" | "assign"; names: string[]; value: ResolvedExpr; span: Span; syntax: A.Stmt; bound: { name: string; type: Type }[] }
  | { kind: "return"; values: ResolvedExpr[]; span: Span; syntax: A.Stmt }
  | { kind: "emit"; name: string; index?: ResolvedExpr; value: ResolvedExpr; span: Span; syntax: A.Stmt }
  | { kind: "for"; variable: string; iter: ResolvedExpr; body: ResolvedStmt[]; span: Span; syntax: A.Stmt }
  | { kind: "if"; cond: ResolvedExpr; then: ResolvedStmt[]; else?: ResolvedStmt[]; span: Span; syntax: A.Stmt };

export interface ResolvedFormal {
  formal: A.Formal;
  default?: ResolvedExpr;
}

export interface ResolvedForward {
  syntax: A.ForwardDecl;
  params: ResolvedFormal[];
  body: ResolvedStmt[];
}

/** A submodule declaration with the module type the checker gave it (undefined where the declaration failed). */
export interface ResolvedSubmodule {
  name: string;
  decl: A.SubmoduleDecl;
  type: ModuleT | ModuleListT | undefined;
  span: Span;
}

export interface ResolvedBlock {
  name: string;
  syntax: BlockIR;
  /** The block's submodules in declaration order, each with what it builds. */
  submodules: ResolvedSubmodule[];
  forward?: ResolvedForward;
}

export interface ResolvedArch {
  arch: ArchIR;
  blocks: Map<string, ResolvedBlock>;
  /**
   * What each `Name` / `Name(args)` position of a submodule declaration or block alias builds
   * (a primitive or a block), keyed by that expression; absent where the name is unknown.
   * Choices, lists and comprehensions have one entry per position.
   */
  moduleCallees: ReadonlyMap<A.Expr, ModuleCallee>;
}
