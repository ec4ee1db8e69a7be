// The architecture's hyperparameters (`param`) and derived values (`let`) as the checker sees
// them: symbolic dimensions, so that sizes written over them can be compared algebraically.
import type { ArchIR } from "../ir/model.js";
import { Sym } from "../shapes/sym.js";
import { toSym } from "./symbolic.js";
import type { ScalarT, Type } from "./types.js";

export class ConfigSymbols {
  private readonly syms = new Map<string, Sym>();
  // The lets being expanded right now: a cyclic let (reported by the config evaluator) stays a symbol.
  private readonly visiting = new Set<string>();

  constructor(private readonly arch: ArchIR) {}

  /**
   * The symbol of a config name, undefined when the name is not one. A let that is a polynomial
   * of others is replaced by its definition, so that `heads * head_dim` equals `d` when
   * `head_dim = d / heads`.
   */
  readonly sym = (name: string): Sym | undefined => {
    if (this.syms.has(name)) return this.syms.get(name);
    if (this.arch.params.has(name)) {
      const s = Sym.symbol(name);
      this.syms.set(name, s);
      return s;
    }
    const l = this.arch.lets.get(name);
    if (!l) return undefined;
    if (this.visiting.has(name)) return Sym.symbol(name);
    this.visiting.add(name);
    // A choice (`if c then a else b`) stays a named symbol: numeric checks then use its value.
    const s = (l.value.kind === "if" ? undefined : toSym(l.value, this.sym)) ?? Sym.symbol(name);
    this.visiting.delete(name);
    this.syms.set(name, s);
    return s;
  };

  readonly isConfigName = (n: string): boolean => this.arch.params.has(n) || this.arch.lets.has(n);

  /** The declared type of a param (a let's is not declared: "any"). */
  base(name: string): ScalarT["base"] {
    const p = this.arch.params.get(name);
    if (p) return p.type.list ? "list" : (p.type.name as ScalarT["base"]);
    return "any";
  }

  /** A config name as a scalar type; undefined when it is not a config name. */
  readonly lookup = (n: string): Type | undefined => {
    const s = this.sym(n);
    if (!s && !this.arch.params.has(n) && !this.arch.lets.has(n)) return undefined;
    return { kind: "scalar", ...(s ? { sym: s } : {}), base: this.base(n) };
  };
}
