// Proofs about sizes: two dimensions are equal, or one divides another. The Sym algebra
// decides what it can; otherwise every concrete configuration the code runs on is tried,
// and the first where the sizes disagree is the one the error names.
import type * as A from "../ast/nodes.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Fix } from "../diagnostics/diagnostic.js";
import type { Sym } from "../shapes/sym.js";
import type { CheckContext } from "./context.js";
import { evalSym, type NumericEnv } from "./symbolic.js";

// What a shape mismatch of each kind asks of the user, when the sizes alone do not say it.
const mismatchHints: Partial<Record<DiagnosticCode, string>> = {
  E0301: "elementwise operands must have equal sizes in each dimension, or size 1 there (which broadcasts)",
  E0302: "`a @ b` contracts the last dimension of `a` with the second-to-last of `b`; `transpose(b, 2, 3)` swaps the last two axes of a rank-4 tensor",
  E0303: "a linear layer's input features must equal the last dimension of its input",
  E0306: "the returned tensor must have the shape declared after `->`",
  E0307: "the argument must have the shape the called block declares for this input",
  E0309: "concatenated tensors must agree in every dimension except the concatenation axis",
};

// Probe values of free dimensions (B, T, …): distinct primes, unlikely to make unequal sizes agree.
const primes = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41];

const isIdentifier = (s: string): boolean => /^[A-Za-z_]\w*$/.test(s);

/**
 * Whether `a` equals `b`; reports `code` (a shape mismatch in `what`, inside op `op`) at the
 * first live configuration where they differ.
 */
export function sameDim(ctx: CheckContext, a: Sym, b: Sym, span: A.Span, code: DiagnosticCode, what: string, op?: string): boolean {
  if (a.equals(b)) return true;
  const free = new Map<string, number>();
  for (const s of [...a.symbols(), ...b.symbols()]) {
    if (!isIdentifier(s) || ctx.config.sym(s)) continue;
    if (!free.has(s)) free.set(s, primes[free.size % primes.length]!);
  }
  const probe = ctx.envs.length > 0 ? ctx.liveEnvs() : [{ label: "free values", values: new Map() }];
  for (const env of probe) {
    const va = evalSym(a, env, free);
    const vb = evalSym(b, env, free);
    if (va === undefined || vb === undefined || va === vb) continue;
    const hint = code === "E0302" ? mismatchHints[code] : (freeNamesHint(ctx, a, b, free) ?? mismatchHints[code]);
    ctx.fail(code, span, `shape mismatch${op ? ` in \`${op}\`` : ""}: ${what}`, {
      expected: valueNote(a, env, free),
      found: valueNote(b, env, free),
      ...(hint ? { hint } : {}),
    });
    return false;
  }
  return true;
}

// Names on one side only explain a mismatch: nothing ties them to the other side. A block
// parameter or loop variable is named as what it is, not as a free dimension.
function freeNamesHint(ctx: CheckContext, a: Sym, b: Sym, free: Map<string, number>): string | undefined {
  const oneSided = [...free.keys()].filter((n) => a.symbols().includes(n) !== b.symbols().includes(n));
  const names = oneSided.filter((n) => !ctx.symbolRoles.has(n)).map((n) => `\`${n}\``);
  const roles = oneSided.filter((n) => ctx.symbolRoles.has(n)).map((n) => `\`${n}\` is ${ctx.symbolRoles.get(n)}`);
  if (!names.length && !roles.length) return undefined;
  const freeNote = names.length ? [`${names.join(" and ")} ${names.length > 1 ? "are free dimensions" : "is a free dimension"} (any size)`] : [];
  return [...freeNote, ...roles].join("; ") + ", so the two sides are not always equal";
}

// A free dimension's probe value is ours, not the user's: such a size prints symbolically.
function valueNote(s: Sym, env: NumericEnv | undefined, free: Map<string, number>): string {
  if (!env || s.isConst() || s.symbols().some((n) => free.has(n))) return s.toString();
  const v = evalSym(s, env, free);
  return v === undefined ? s.toString() : `${s.toString()} = ${v} in ${env.label}`;
}

/** Whether `n` divides `a` (`what` names `a`); reports E0304 with the `require` that would check it up front. */
export function divides(ctx: CheckContext, a: Sym, n: Sym, span: A.Span, what: string): boolean {
  const q = a.div(n);
  const provable = [...q.terms.values()].every((t) => Number.isInteger(t.coef) && Object.values(t.mono).every((e) => e > 0));
  if (provable) return true;
  for (const env of ctx.liveEnvs()) {
    const va = evalSym(a, env, new Map([["__", 0]]));
    const vn = evalSym(n, env);
    if (va === undefined || vn === undefined || a.symbols().some((s) => isIdentifier(s) && !ctx.config.sym(s))) continue;
    if (vn === 0 || va % vn !== 0) {
      const wrap = (x: Sym) => (x.terms.size > 1 ? `(${x.toString()})` : x.toString());
      const requirement = `require ${wrap(a)} % ${wrap(n)} == 0`;
      ctx.fail("E0304", span, `${what} is not a multiple of \`${n.toString()}\``, {
        expected: `a multiple of ${n.toString()} = ${vn} in ${env.label}`,
        found: `${a.toString()} = ${va} in ${env.label}`,
        hint: `add \`${requirement}\` so that every configuration is checked up front, or change the sizes`,
        fixes: requirementFix(ctx, span.file, requirement),
      });
      return false;
    }
  }
  return true;
}

// A suggested `require` goes after the last hyperparameter declaration of the same file.
function requirementFix(ctx: CheckContext, file: string, requirement: string): Fix[] {
  const arch = ctx.arch;
  const decls = [...arch.params.values(), ...arch.lets.values(), ...arch.requires].map((m) => m.span).filter((s) => s.file === file);
  const last = decls.sort((x, y) => y.offset - x.offset)[0];
  return last ? [{ title: `Add \`${requirement}\``, span: { ...last, offset: last.offset + last.length, length: 0 }, text: `\n  ${requirement}` }] : [];
}
