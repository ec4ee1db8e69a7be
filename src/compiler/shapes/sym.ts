// Symbolic dimensions: Laurent polynomials with rational coefficients over named symbols
// (hyperparameters and free dims such as B, T). Exact division by a monomial is a negative
// exponent, so `heads * (d / heads)` simplifies to `d`. Anything non-polynomial (floor
// division, modulo, a function) becomes an opaque atom that is compared by its text and
// evaluated numerically when a concrete config is known.

type Mono = Record<string, number>; // symbol → non-zero exponent

interface Term {
  coef: number;
  mono: Mono;
}

function monoKey(m: Mono): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}^${m[k]}`)
    .join("*");
}

export class Sym {
  private constructor(readonly terms: ReadonlyMap<string, Term>) {}

  static const(c: number): Sym {
    return c === 0 ? new Sym(new Map()) : new Sym(new Map([["", { coef: c, mono: {} }]]));
  }

  static symbol(name: string): Sym {
    const mono = { [name]: 1 };
    return new Sym(new Map([[monoKey(mono), { coef: 1, mono }]]));
  }

  /** An opaque atom: `text` is how it prints and what identifies it. */
  static atom(text: string): Sym {
    return Sym.symbol(text.includes(" ") || /[^\w]/.test(text) ? `(${text})` : text);
  }

  isConst(): boolean {
    return this.terms.size === 0 || (this.terms.size === 1 && this.terms.has(""));
  }

  constValue(): number | undefined {
    if (this.terms.size === 0) return 0;
    if (this.terms.size === 1 && this.terms.has("")) return this.terms.get("")!.coef;
    return undefined;
  }

  add(o: Sym): Sym {
    const out = new Map(this.terms);
    for (const [k, t] of o.terms) {
      const prev = out.get(k);
      const coef = (prev?.coef ?? 0) + t.coef;
      if (Math.abs(coef) < 1e-12) out.delete(k);
      else out.set(k, { coef, mono: t.mono });
    }
    return new Sym(out);
  }

  neg(): Sym {
    return this.scale(-1);
  }

  sub(o: Sym): Sym {
    return this.add(o.neg());
  }

  scale(c: number): Sym {
    if (c === 0) return Sym.const(0);
    const out = new Map<string, Term>();
    for (const [k, t] of this.terms) out.set(k, { coef: t.coef * c, mono: t.mono });
    return new Sym(out);
  }

  mul(o: Sym): Sym {
    let acc = Sym.const(0);
    for (const a of this.terms.values()) {
      for (const b of o.terms.values()) {
        const mono: Mono = { ...a.mono };
        for (const [s, e] of Object.entries(b.mono)) {
          const ne = (mono[s] ?? 0) + e;
          if (ne === 0) delete mono[s];
          else mono[s] = ne;
        }
        acc = acc.add(new Sym(new Map([[monoKey(mono), { coef: a.coef * b.coef, mono }]])));
      }
    }
    return acc;
  }

  /** Exact division; by a sum of several terms it becomes an atom. */
  div(o: Sym): Sym {
    if (o.terms.size === 1) {
      const [t] = [...o.terms.values()] as [Term];
      const inv: Mono = {};
      for (const [s, e] of Object.entries(t.mono)) inv[s] = -e;
      return this.mul(new Sym(new Map([[monoKey(inv), { coef: 1 / t.coef, mono: inv }]])));
    }
    return Sym.atom(`${this.toString()} / ${o.toString()}`);
  }

  /** Replaces symbols simultaneously; symbols not in the map stay. */
  substitute(map: ReadonlyMap<string, Sym>): Sym {
    let acc = Sym.const(0);
    for (const t of this.terms.values()) {
      let term = Sym.const(t.coef);
      for (const [s, e] of Object.entries(t.mono)) {
        const base = map.get(s) ?? Sym.symbol(s);
        for (let i = 0; i < Math.abs(e); i++) term = e > 0 ? term.mul(base) : term.div(base);
      }
      acc = acc.add(term);
    }
    return acc;
  }

  equals(o: Sym): boolean {
    return this.sub(o).terms.size === 0;
  }

  symbols(): string[] {
    const out = new Set<string>();
    for (const t of this.terms.values()) for (const s of Object.keys(t.mono)) out.add(s);
    return [...out];
  }

  /** Numeric value with every symbol bound; undefined when a symbol has no value. */
  evaluate(env: (symbol: string) => number | undefined): number | undefined {
    let total = 0;
    for (const t of this.terms.values()) {
      let v = t.coef;
      for (const [s, e] of Object.entries(t.mono)) {
        const x = env(s);
        if (x === undefined) return undefined;
        v *= x ** e;
      }
      total += v;
    }
    return Math.abs(total - Math.round(total)) < 1e-9 ? Math.round(total) : total;
  }

  toString(): string {
    if (this.terms.size === 0) return "0";
    const parts: string[] = [];
    const sorted = [...this.terms.values()].sort((a, b) => degree(b.mono) - degree(a.mono) || byCodePoint(monoKey(a.mono), monoKey(b.mono)));
    for (const t of sorted) {
      const num: string[] = [];
      const den: string[] = [];
      for (const [s, e] of Object.entries(t.mono).sort(([a], [b]) => byCodePoint(a, b))) {
        const target = e > 0 ? num : den;
        const p = Math.abs(e);
        target.push(p === 1 ? s : `${s}**${p}`);
      }
      const c = Math.abs(t.coef);
      let body = num.join(" * ");
      if (c !== 1 || body === "") body = body ? `${fmt(c)} * ${body}` : fmt(c);
      if (den.length) body += ` / ${den.length > 1 ? `(${den.join(" * ")})` : den[0]}`;
      parts.push(parts.length === 0 ? (t.coef < 0 ? `-${body}` : body) : `${t.coef < 0 ? "-" : "+"} ${body}`);
    }
    return parts.join(" ");
  }
}

// Not localeCompare: output must not depend on the machine's locale, and free dims written in
// capitals (B, T) then lead, as in shapes: `B * T * d`.
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function degree(m: Mono): number {
  return Object.values(m).reduce((a, b) => a + b, 0);
}

function fmt(c: number): string {
  return Number.isInteger(c) ? String(c) : String(+c.toPrecision(12));
}
