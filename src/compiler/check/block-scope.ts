// The names one block's checks see, from its declarations down through its forward body:
// block parameters, submodules, forward inputs and the free dims they introduce, locals and
// loop variables. Built by the declaration checks, extended statement by statement.
import type * as A from "../ast/nodes.js";
import type { BlockIR } from "../ir/model.js";
import { Sym } from "../shapes/sym.js";
import type { CheckContext } from "./context.js";
import { condition, type Condition } from "./symbolic.js";
import type { ModuleListT, ModuleT, ScalarT, Type } from "./types.js";

/** Infers the type of an expression of the forward body (expressions.ts), handed to the checks of its parts. */
export type Infer = (e: A.Expr) => Type | undefined;

export class BlockScope {
  readonly blockParams: Map<string, ScalarT>;
  readonly submods = new Map<string, ModuleT | ModuleListT>();
  /** Submodules declared `name: X if cond`, with their condition. */
  readonly conditional = new Map<string, A.Expr>();
  /** Names whose declaration already failed (a submodule, a local): their uses would only echo it. */
  readonly unresolved = new Set<string>();
  /** Sizes named only in the forward's input types (B, T): any size, bound by each call. */
  readonly freeDims = new Set<string>();
  readonly locals = new Map<string, Type>();
  readonly loopVars = new Map<string, { type: Type; overModules: boolean }>();
  /** Whether the forward body has a `return` anywhere. */
  returned = false;
  // Stateful op calls are numbered in body order: codegen gives each its own state slot.
  private sites = 0;

  constructor(
    readonly ctx: CheckContext,
    readonly block: BlockIR,
  ) {
    this.blockParams = new Map(block.params.map((p) => [p.name, { kind: "scalar", sym: Sym.symbol(p.name), base: p.type.name } as ScalarT]));
  }

  /** Names in a declaration (a submodule's arguments, its condition): block parameters and config values. */
  readonly declScope = (n: string): Type | undefined => this.blockParams.get(n) ?? this.ctx.config.lookup(n);

  /** A config name not shadowed by a block parameter: a declaration's condition reads it from the configuration. */
  readonly isConfigHere = (n: string): boolean => !this.blockParams.has(n) && this.ctx.config.isConfigName(n);

  /** What a name means in the forward body, innermost first; records nothing. */
  readonly lookup = (n: string): Type | undefined => {
    const lv = this.loopVars.get(n);
    if (lv) return lv.type;
    return this.locals.get(n) ?? this.submods.get(n) ?? this.blockParams.get(n) ?? this.ctx.config.lookup(n) ?? (this.freeDims.has(n) ? { kind: "scalar", sym: Sym.symbol(n), base: "int" } : undefined);
  };

  /** The size a scalar name stands for in the body, for expressions turned into symbolic sizes. */
  readonly scalarSym = (n: string): Sym | undefined => (this.lookup(n) as ScalarT | undefined)?.sym;

  /** A size written in the block's own signature (an input or result type): parameters and config values by their symbols, other names as themselves. */
  readonly signatureSym = (n: string): Sym | undefined => this.blockParams.get(n)?.sym ?? this.ctx.config.sym(n) ?? Sym.symbol(n);

  /**
   * A condition in the body reads config values; a local, loop variable or block parameter
   * of the same name (as they are when the condition is met) makes it undecided.
   */
  bodyCondition(cond: A.Expr): Condition {
    const shadowed = new Set([...this.locals.keys(), ...this.loopVars.keys(), ...this.blockParams.keys(), ...this.submods.keys(), ...this.freeDims]);
    return condition(cond, (n) => !shadowed.has(n) && this.ctx.config.isConfigName(n));
  }

  /** The state slot of an op call: the next one when the op keeps state, else -1. */
  site(stateful: boolean): number {
    return stateful ? this.sites++ : -1;
  }
}
