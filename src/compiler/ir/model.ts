// The IR of one architecture: its own members merged over its base's (inheritance is
// flattened here, once), with every member remembering where it was written.
import type * as A from "../ast/nodes.js";

export interface ParamIR {
  name: string;
  type: A.TypeRef;
  default?: A.Expr;
  hfKeys: string[][];
  definedIn: string; // arch name
  span: A.Span;
}

export interface LetIR {
  name: string;
  value: A.Expr;
  definedIn: string;
  span: A.Span;
}

/** `let mix(x, prev, m) = x * m + prev * (1.0 - m)`: expanded at each call in a forward body. */
export interface FunctionIR {
  name: string;
  params: string[];
  body: A.Expr;
  definedIn: string;
  span: A.Span;
}

export interface RequireIR {
  cond: A.Expr;
  message?: string;
  definedIn: string;
  span: A.Span;
}

export interface BlockIR extends A.BlockDecl {
  definedIn: string;
}

export interface ArchIR {
  name: string;
  file: string;
  span: A.Span;
  lineage: string[]; // this arch first, then its bases
  hf?: A.HfDecl;
  params: Map<string, ParamIR>;
  lets: Map<string, LetIR>;
  functions: Map<string, FunctionIR>;
  requires: RequireIR[];
  ignores: string[][];
  blocks: Map<string, BlockIR>;
  root?: { block: string; span: A.Span };
  presets: Map<string, A.PresetDecl>;
}

/** Names of the built-in primitives a submodule may instantiate (see src/compiler/ir/primitives.ts). */
export type ScalarValue = number | boolean | string | null;
export type Value = ScalarValue | Value[];
