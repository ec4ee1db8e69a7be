// Types of forward-pass expressions as the checker infers them, with symbolic dimensions.
import type * as A from "../ast/nodes.js";
import type { BlockIR } from "../ir/model.js";
import type { Primitive } from "../ir/primitives.js";
import { Sym } from "../shapes/sym.js";
import type { Condition } from "./symbolic.js";

export interface TensorT {
  kind: "tensor";
  dims: Sym[];
  ids: boolean;
}

export interface TupleT {
  kind: "tuple";
  items: Type[];
}

export interface ScalarT {
  kind: "scalar";
  /** The value as a dimension, when it is an integer expression of config symbols. */
  sym?: Sym;
  base: "int" | "float" | "bool" | "string" | "null" | "list" | "any";
}

/** What a submodule is: one callable, or a list of them (ModuleList). */
export interface ModuleT {
  kind: "module";
  variants: ModuleVariant[]; // several when chosen by an `if` at elaboration time
}

export interface ModuleListT {
  kind: "modlist";
  item: ModuleT;
  /** A list written item by item keeps its items, so that `layers[0]` is the first one's type. */
  items?: ModuleT[];
}

export interface RangeT {
  kind: "range";
}

/** A module; `when`: the choices (`if c then A else B`) under which it is the one built. */
export type ModuleVariant =
  | { kind: "primitive"; primitive: Primitive; args: Map<string, ScalarT>; block?: BlockIR; when?: Condition[] }
  | { kind: "block"; block: BlockIR; args: Map<string, ScalarT>; when?: Condition[] };

/** What one `Name` or `Name(args)` of a submodule declaration builds, by the name it calls (an alias block is a block). */
export type ModuleCallee = { kind: "primitive"; primitive: Primitive } | { kind: "block"; block: BlockIR };

export type Type = TensorT | TupleT | ScalarT | ModuleT | ModuleListT | RangeT;

export const tensor = (dims: Sym[], ids = false): TensorT => ({ kind: "tensor", dims, ids });

export function typeText(t: Type): string {
  switch (t.kind) {
    case "tensor":
      return `${t.ids ? "ids" : ""}[${t.dims.map((d) => d.toString()).join(", ")}]`;
    case "tuple":
      return `(${t.items.map(typeText).join(", ")})`;
    case "scalar":
      return t.sym ? `${t.base} ${t.sym.toString()}` : t.base;
    case "module":
      return `module ${t.variants.map((v) => (v.kind === "block" ? v.block.name : v.primitive.name)).join(" | ")}`;
    case "modlist":
      return `list of ${typeText(t.item)}`;
    case "range":
      return "range";
  }
}

/** What codegen needs to know about a name or call site, recorded by the checker. */
export type Resolution =
  | { kind: "local" }
  | { kind: "config"; name: string }
  | { kind: "blockParam"; name: string }
  | { kind: "loopVar"; name: string; overModules: boolean }
  | { kind: "submodule"; name: string; type: ModuleT | ModuleListT }
  | { kind: "op"; name: string; site: number }
  | { kind: "call-module"; type: ModuleT };

export interface Annotations {
  types: WeakMap<A.Expr, Type>;
  resolutions: WeakMap<A.Expr, Resolution>;
  /** Locals each statement binds, with their inferred types, for shape comments. */
  bindings: WeakMap<A.Stmt, { name: string; type: Type }[]>;
}
