// What every check of one architecture shares: the architecture, the diagnostics reported so
// far, the annotations being filled, the concrete configurations numeric checks run on, and
// the branches the code being checked sits in. Each per-construct check reads and writes it.
import type * as A from "../ast/nodes.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import { error, type Diagnostic, type DiagnosticExtras } from "../diagnostics/diagnostic.js";
import type { ArchIR, BlockIR } from "../ir/model.js";
import { ConfigSymbols } from "./config-symbols.js";
import { numericEnvs, type Condition, type NumericEnv } from "./symbolic.js";
import type { Annotations, ModuleCallee, ModuleListT, ModuleT, Type } from "./types.js";

/** Checks one block (blocks.ts); handed in so that a call of a block can have it checked first. */
export type BlockCheck = (ctx: CheckContext, b: BlockIR) => void;

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly annotations: Annotations = { types: new WeakMap(), resolutions: new WeakMap(), bindings: new WeakMap() };
  /** What each submodule declaration of each block builds (absent where its declaration failed). */
  readonly submoduleTypes = new Map<A.SubmoduleDecl, ModuleT | ModuleListT>();
  /** What each name or call of each submodule declaration and alias builds (module-callees.ts). */
  readonly moduleCallees = new Map<A.Expr, ModuleCallee>();
  readonly envs: NumericEnv[];
  readonly config: ConfigSymbols;
  /**
   * The branches the code being checked sits in (`if c { … }`, `if c then … else …`, a choice
   * of module): a configuration where one of them is not taken never runs that code, so its
   * numeric checks skip that configuration.
   */
  readonly guards: Condition[] = [];
  /** What the non-config names of the block being checked are (block parameters, loop variables), for messages. */
  symbolRoles = new Map<string, string>();
  /**
   * What each checked block returns, for a caller of a block without a declared result
   * (undefined: not known). A block is in `checking` while its body is being checked.
   */
  readonly returns = new Map<BlockIR, Type[] | undefined>();
  readonly checking = new Set<BlockIR>();

  constructor(
    readonly arch: ArchIR,
    private readonly checkBlock: BlockCheck,
  ) {
    this.envs = numericEnvs(arch);
    this.config = new ConfigSymbols(arch);
  }

  /** Records an error; returns undefined so that a check can `return ctx.fail(...)`. */
  readonly fail = (code: DiagnosticCode, span: A.Span, message: string, extras: DiagnosticExtras = {}): undefined => {
    this.diagnostics.push(error(code, span, message, extras));
    return undefined;
  };

  /** The diagnostic reported last, for a check that adds notes to what a proof reported. */
  lastDiagnostic(): Diagnostic {
    return this.diagnostics[this.diagnostics.length - 1]!;
  }

  /**
   * A call that reported an error has no type: what is computed from it is not checked again,
   * so one wrong size gives one error, at its root cause, not one per later use.
   */
  rootCause(infer: () => Type | undefined): Type | undefined {
    const before = this.diagnostics.length;
    const t = infer();
    return this.diagnostics.length > before ? undefined : t;
  }

  /** The configurations on which the code being checked runs. */
  liveEnvs(): NumericEnv[] {
    return this.envs.filter((env) => this.guards.every((g) => g(env) !== false));
  }

  /** Runs `fn` as code that runs only where every condition of `when` holds. */
  guarded<T>(when: Condition[], fn: () => T): T {
    this.guards.push(...when);
    try {
      return fn();
    } finally {
      this.guards.length -= when.length;
    }
  }

  /**
   * What block `b` returns, checking it first if it has not been (outside the caller's
   * branches and names: a block's body is the same wherever it is called).
   */
  returnedTypes(b: BlockIR): Type[] | undefined {
    if (!this.returns.has(b) && !this.checking.has(b)) {
      const outer = this.guards.splice(0);
      const roles = this.symbolRoles;
      try {
        this.checkBlock(this, b);
      } finally {
        this.guards.push(...outer);
        this.symbolRoles = roles;
      }
    }
    return this.returns.get(b);
  }
}
