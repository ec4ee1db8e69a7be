// The shape checker: infers a symbolic type for every expression of every forward body,
// proving dimension equalities with the Sym algebra and, where the algebra cannot decide,
// on every concrete configuration the architecture declares (defaults and presets).
import type * as A from "../ast/nodes.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import { error, uniqueDiagnostics, type Diagnostic, type DiagnosticExtras, type Fix } from "../diagnostics/diagnostic.js";
import { exprText } from "../ast/expr-text.js";
import { builtins } from "../eval/evaluate.js";
import { suggest, suggestAt } from "../diagnostics/suggest.js";
import type { ArchIR, BlockIR } from "../ir/model.js";
import { isPrimitive, primitives, PrimitiveArgumentError } from "../ir/primitives.js";
import { Sym } from "../shapes/sym.js";
import { ops } from "../ops/catalogue.js";
import type { OpArg, OpContext } from "../ops/op-def.js";
import { choiceSym, condition, configSymbols, evalSym, numericEnvs, toSym, type Condition, type NumericEnv } from "./symbolic.js";
import {
  tensor,
  typeText,
  type Annotations,
  type ModuleListT,
  type ModuleT,
  type ModuleVariant,
  type ScalarT,
  type TensorT,
  type Type,
} from "./types.js";

export interface CheckResult {
  annotations: Annotations;
  diagnostics: Diagnostic[];
  envs: NumericEnv[];
}

type ListScalar = ScalarT & { items?: ScalarT[] };

// What a shape mismatch of each kind asks of the user, when the sizes alone do not say it.
const mismatchHints: Partial<Record<DiagnosticCode, string>> = {
  E0301: "elementwise operands must have equal sizes in each dimension, or size 1 there (which broadcasts)",
  E0302: "`a @ b` contracts the last dimension of `a` with the second-to-last of `b`; `transpose(b, 2, 3)` swaps the last two axes of a rank-4 tensor",
  E0303: "a linear layer's input features must equal the last dimension of its input",
  E0306: "the returned tensor must have the shape declared after `->`",
  E0307: "the argument must have the shape the called block declares for this input",
  E0309: "concatenated tensors must agree in every dimension except the concatenation axis",
};

export function checkArch(arch: ArchIR): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const annotations: Annotations = { types: new WeakMap(), resolutions: new WeakMap(), bindings: new WeakMap() };
  const envs = numericEnvs(arch);
  // The branches the code being checked sits in (`if c { … }`, `if c then … else …`, a choice
  // of module): a configuration where one of them is not taken never runs that code, so its
  // numeric checks skip that configuration.
  const guards: Condition[] = [];
  // What the non-config names of the block being checked are (block parameters, loop variables).
  let symbolRoles = new Map<string, string>();
  const live = (env: NumericEnv): boolean => guards.every((g) => g(env) !== false);
  const liveEnvs = (): NumericEnv[] => envs.filter(live);
  const guarded = <T>(when: Condition[], fn: () => T): T => {
    guards.push(...when);
    try {
      return fn();
    } finally {
      guards.length -= when.length;
    }
  };
  const negate = (c: Condition): Condition => (env) => {
    const v = c(env);
    return v === undefined ? undefined : !v;
  };
  const undecided = (cs: Condition[]): Condition => (env) => cs.every((c) => c(env) === undefined);

  // A derived value that is a polynomial of others is replaced by its definition.
  const configSym = configSymbols(arch);

  const configBase = (name: string): ScalarT["base"] => {
    const p = arch.params.get(name);
    if (p) return p.type.list ? "list" : (p.type.name as ScalarT["base"]);
    return "any";
  };

  const fail = (code: DiagnosticCode, span: A.Span, message: string, extras: DiagnosticExtras = {}): undefined => {
    diagnostics.push(error(code, span, message, extras));
    return undefined;
  };

  // A suggested `require` goes after the last hyperparameter declaration of the same file.
  const requirementFix = (file: string, requirement: string): Fix[] => {
    const decls = [...arch.params.values(), ...arch.lets.values(), ...arch.requires].map((m) => m.span).filter((s) => s.file === file);
    const last = decls.sort((x, y) => y.offset - x.offset)[0];
    return last ? [{ title: `Add \`${requirement}\``, span: { ...last, offset: last.offset + last.length, length: 0 }, text: `\n  ${requirement}` }] : [];
  };

  // A free dimension's probe value is ours, not the user's: such a size prints symbolically.
  const valueNote = (s: Sym, env: NumericEnv | undefined, free: Map<string, number>): string => {
    if (!env || s.isConst() || s.symbols().some((n) => free.has(n))) return s.toString();
    const v = evalSym(s, env, free);
    return v === undefined ? s.toString() : `${s.toString()} = ${v} in ${env.label}`;
  };

  const sameDim = (a: Sym, b: Sym, span: A.Span, code: DiagnosticCode, what: string, op?: string): boolean => {
    if (a.equals(b)) return true;
    const free = new Map<string, number>();
    const primes = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41];
    for (const s of [...a.symbols(), ...b.symbols()]) {
      if (!/^[A-Za-z_]\w*$/.test(s) || configSym(s)) continue;
      if (!free.has(s)) free.set(s, primes[free.size % primes.length]!);
    }
    const probe = envs.length > 0 ? liveEnvs() : [{ label: "free values", values: new Map() }];
    for (const env of probe) {
      const va = evalSym(a, env, free);
      const vb = evalSym(b, env, free);
      if (va === undefined || vb === undefined || va === vb) continue;
      // Names on one side only explain the mismatch: nothing ties them to the other side. A block
      // parameter or loop variable is named as what it is, not as a free dimension.
      const oneSided = [...free.keys()].filter((n) => a.symbols().includes(n) !== b.symbols().includes(n));
      const names = oneSided.filter((n) => !symbolRoles.has(n)).map((n) => `\`${n}\``);
      const roles = oneSided.filter((n) => symbolRoles.has(n)).map((n) => `\`${n}\` is ${symbolRoles.get(n)}`);
      const freeHint =
        names.length || roles.length
          ? [...(names.length ? [`${names.join(" and ")} ${names.length > 1 ? "are free dimensions" : "is a free dimension"} (any size)`] : []), ...roles].join("; ") +
            ", so the two sides are not always equal"
          : undefined;
      const hint = code === "E0302" ? mismatchHints[code] : (freeHint ?? mismatchHints[code]);
      fail(code, span, `shape mismatch${op ? ` in \`${op}\`` : ""}: ${what}`, {
        expected: valueNote(a, env, free),
        found: valueNote(b, env, free),
        ...(hint ? { hint } : {}),
      });
      return false;
    }
    return true;
  };

  const divides = (a: Sym, n: Sym, span: A.Span, what: string): boolean => {
    const q = a.div(n);
    const provable = [...q.terms.values()].every((t) => Number.isInteger(t.coef) && Object.values(t.mono).every((e) => e > 0));
    if (provable) return true;
    for (const env of liveEnvs()) {
      const va = evalSym(a, env, new Map([["__", 0]]));
      const vn = evalSym(n, env);
      if (va === undefined || vn === undefined || a.symbols().some((s) => /^[A-Za-z_]\w*$/.test(s) && !configSym(s))) continue;
      if (vn === 0 || va % vn !== 0) {
        const wrap = (x: Sym) => (x.terms.size > 1 ? `(${x.toString()})` : x.toString());
        const requirement = `require ${wrap(a)} % ${wrap(n)} == 0`;
        fail("E0304", span, `${what} is not a multiple of \`${n.toString()}\``, {
          expected: `a multiple of ${n.toString()} = ${vn} in ${env.label}`,
          found: `${a.toString()} = ${va} in ${env.label}`,
          hint: `add \`${requirement}\` so that every configuration is checked up front, or change the sizes`,
          fixes: requirementFix(span.file, requirement),
        });
        return false;
      }
    }
    return true;
  };

  // ---- scalar (config-level) expressions inside blocks
  const scalarOf = (e: A.Expr, lookup: (n: string, span: A.Span) => Type | undefined): ListScalar | undefined => {
    switch (e.kind) {
      case "num":
        return { kind: "scalar", sym: Sym.const(e.value), base: e.isFloat ? "float" : "int" };
      case "str":
        return { kind: "scalar", base: "string" };
      case "bool":
        return { kind: "scalar", base: "bool" };
      case "null":
        return { kind: "scalar", base: "null" };
      case "list": {
        const items = e.items.map((i) => scalarOf(i, lookup) ?? { kind: "scalar" as const, base: "any" as const });
        return { kind: "scalar", base: "list", items };
      }
      default: {
        const symLookup = (n: string): Sym | undefined => {
          const t = lookup(n, e.span);
          return t && t.kind === "scalar" ? (t.sym ?? Sym.symbol(n)) : undefined;
        };
        const sym = toSym(e, symLookup);
        return { kind: "scalar", ...(sym ? { sym } : {}), base: "any" };
      }
    }
  };

  // ---- submodule declarations → module types
  const isConfigName = (n: string): boolean => arch.params.has(n) || arch.lets.has(n);
  const moduleTypeOf = (e: A.Expr, lookup: (n: string, span: A.Span) => Type | undefined, depth = 0, isConfig = isConfigName): ModuleT | ModuleListT | undefined => {
    if (depth > 32) return undefined;
    switch (e.kind) {
      case "if": {
        // Each variant remembers the choice that selects it, so that it is checked only where it is built.
        const c = condition(e.cond, isConfig);
        const when = (t: ModuleT | ModuleListT | undefined, w: Condition): ModuleT | ModuleListT | undefined =>
          t?.kind === "module" ? { kind: "module", variants: t.variants.map((v) => ({ ...v, when: [...(v.when ?? []), w] })) } : t;
        const a = when(moduleTypeOf(e.then, lookup, depth + 1, isConfig), c);
        const b = when(moduleTypeOf(e.else, lookup, depth + 1, isConfig), negate(c));
        if (a?.kind === "module" && b?.kind === "module") return { kind: "module", variants: [...a.variants, ...b.variants] };
        return a ?? b;
      }
      case "list": {
        const items = e.items.map((i) => moduleTypeOf(i, lookup, depth + 1, isConfig)).filter((t): t is ModuleT => t?.kind === "module");
        return { kind: "modlist", item: { kind: "module", variants: items.flatMap((i) => i.variants) }, ...({ items } as object) } as ModuleListT;
      }
      case "comprehension": {
        const inner = moduleTypeOf(e.item, (n, s) => (n === e.variable ? { kind: "scalar", sym: Sym.symbol(e.variable), base: "int" } : lookup(n, s)), depth + 1, (n) => n !== e.variable && isConfig(n));
        return inner?.kind === "module" ? { kind: "modlist", item: inner } : undefined;
      }
      case "name":
      case "call": {
        const callee = e.kind === "call" ? e.callee : e;
        if (callee.kind !== "name") return fail("E0103", e.span, "expected a block or primitive name", { found: exprText(e) });
        const args = e.kind === "call" ? e.args : [];
        if (isPrimitive(callee.name)) {
          const p = primitives[callee.name]!;
          const bound = bindCallArgs(p.params.map((x) => ({ name: x.name, optional: x.default !== undefined })), args, callee.name, e.span, lookup);
          return bound ? { kind: "module", variants: [{ kind: "primitive", primitive: p, args: bound }] } : undefined;
        }
        const b = arch.blocks.get(callee.name);
        if (!b) {
          return fail("E0103", callee.span, `unknown block or primitive \`${callee.name}\``, {
            hint: suggest(callee.name, [...arch.blocks.keys(), ...Object.keys(primitives)]) ?? `declare \`block ${callee.name}\` in \`${arch.name}\`, or use a primitive (docs/language.md lists them)`,
          });
        }
        const bound = bindCallArgs(b.params.map((x) => ({ name: x.name, optional: x.default !== undefined })), args, callee.name, e.span, lookup);
        if (!bound) return undefined;
        if (b.alias) {
          // The alias's own arguments are expressions over the block's parameters.
          // A parameter left to its default reads that default (over config values).
          const aliasScope = (n: string, s: A.Span): Type | undefined => {
            const given = bound.get(n);
            if (given) return given;
            const dflt = b.params.find((p) => p.name === n)?.default;
            return dflt ? scalarOf(dflt, (m) => lookupConfig(m)) : (void s, lookupConfig(n));
          };
          const inner = moduleTypeOf(b.alias, aliasScope, depth + 1);
          if (inner?.kind === "module") return { kind: "module", variants: inner.variants.map((v) => (v.kind === "primitive" ? { ...v, block: b } : v)) };
          return inner;
        }
        return { kind: "module", variants: [{ kind: "block", block: b, args: bound }] };
      }
      default:
        return fail("E0103", e.span, "expected a block, a primitive or a list of them", { found: exprText(e) });
    }
  };

  const bindCallArgs = (
    params: { name: string; optional: boolean }[],
    args: A.Arg[],
    target: string,
    span: A.Span,
    lookup: (n: string, span: A.Span) => Type | undefined,
  ): Map<string, ScalarT> | undefined => {
    const out = new Map<string, ScalarT>();
    let pos = 0;
    let ok = true;
    let unknownKeyword = false;
    const signature = `${target}(${params.map((x) => (x.optional ? `${x.name} = …` : x.name)).join(", ")})`;
    const positional = args.filter((a) => !a.keyword).length;
    for (const a of args) {
      checkNames(a.value, lookup);
      const v = scalarOf(a.value, lookup) ?? { kind: "scalar", base: "any" };
      if (a.keyword) {
        if (!params.some((p) => p.name === a.keyword)) {
          fail("E0110", a.span, `\`${target}\` has no argument \`${a.keyword}\``, {
            expected: signature,
            hint: suggest(a.keyword, params.map((p) => p.name)) ?? `its arguments are: ${params.map((p) => p.name).join(", ") || "none"}`,
          });
          ok = false;
          unknownKeyword = true;
        } else if (out.has(a.keyword)) {
          fail("E0102", a.span, `argument \`${a.keyword}\` is given twice`, { expected: signature });
          ok = false;
        } else out.set(a.keyword, v);
      } else {
        const p = params[pos++];
        if (!p) {
          // Reported once, at the first argument too many.
          if (pos === params.length + 1) {
            fail("E0111", a.span, `\`${target}\` takes ${params.length} argument${params.length === 1 ? "" : "s"}, but ${positional} were given`, {
              expected: signature,
              found: `${positional} positional arguments`,
            });
          }
          ok = false;
        } else out.set(p.name, v);
      }
    }
    // A misspelt keyword usually is the missing argument: one error is enough.
    for (const p of unknownKeyword ? [] : params) {
      if (!out.has(p.name) && !p.optional) {
        fail("E0112", span, `\`${target}\` needs argument \`${p.name}\``, { expected: signature });
        ok = false;
      }
    }
    return ok ? out : undefined;
  };

  // Reports unknown names inside config-level expressions (args, conditions).
  const checkNames = (e: A.Expr, lookup: (n: string, span: A.Span) => Type | undefined, bound: Set<string> = new Set()): void => {
    switch (e.kind) {
      case "name":
        if (!bound.has(e.name) && !lookup(e.name, e.span)) {
          fail("E0101", e.span, `unknown name \`${e.name}\``, suggestAt(e.name, [...arch.params.keys(), ...arch.lets.keys()], e.span));
        }
        return;
      case "call":
        if (e.callee.kind === "name" && !builtins[e.callee.name] && !ops[e.callee.name] && !isPrimitive(e.callee.name) && !arch.blocks.has(e.callee.name)) {
          checkNames(e.callee, lookup, bound);
        }
        for (const a of e.args) checkNames(a.value, lookup, bound);
        return;
      case "comprehension":
        checkNames(e.iter, lookup, bound);
        checkNames(e.item, lookup, new Set([...bound, e.variable]));
        return;
      case "unary":
        return checkNames(e.operand, lookup, bound);
      case "binary":
        checkNames(e.left, lookup, bound);
        return checkNames(e.right, lookup, bound);
      case "if":
        checkNames(e.cond, lookup, bound);
        checkNames(e.then, lookup, bound);
        return checkNames(e.else, lookup, bound);
      case "range":
        checkNames(e.from, lookup, bound);
        return checkNames(e.to, lookup, bound);
      case "list":
        for (const i of e.items) checkNames(i, lookup, bound);
        return;
      case "index":
        checkNames(e.target, lookup, bound);
        return checkNames(e.index, lookup, bound);
      default:
        return;
    }
  };

  const lookupConfig = (n: string): Type | undefined => {
    const s = configSym(n);
    if (!s && !arch.params.has(n) && !arch.lets.has(n)) return undefined;
    return { kind: "scalar", ...(s ? { sym: s } : {}), base: configBase(n) };
  };

  // A bare parameter submodule (Param) stands for the tensor it holds, shaped by its `shape` argument.
  const paramValue = (t: ModuleT | ModuleListT | undefined): Type | undefined => {
    if (t?.kind !== "module" || t.variants.length !== 1) return t;
    const v = t.variants[0]!;
    if (v.kind !== "primitive" || v.primitive.apply.kind !== "value") return t;
    const items = (v.args.get("shape") as ListScalar | undefined)?.items ?? [];
    return tensor(items.map((i, k) => i.sym ?? Sym.atom(`${v.primitive.name}.shape[${k}]`)));
  };

  // A call that reported an error has no type: what is computed from it is not checked again,
  // so one wrong size gives one error, at its root cause, not one per later use.
  const rootCause = (infer: () => Type | undefined): Type | undefined => {
    const before = diagnostics.length;
    const t = infer();
    return diagnostics.length > before ? undefined : t;
  };

  // ---- calling a module with tensor arguments
  const callVariant = (v: ModuleVariant, args: OpArg[], span: A.Span, callee = v.kind === "primitive" ? v.primitive.name : v.block.name): Type | undefined => {
    if (v.kind === "primitive") {
      const p = v.primitive;
      const rule = p.apply;
      if (rule.kind === "none" || rule.kind === "value") return fail("E0402", span, `\`${p.name}\` cannot be called`, { hint: rule.kind === "value" ? "use it as a tensor value" : undefined } as { hint?: string });
      if (args.length !== 1) return fail("E0111", span, `\`${p.name}\` takes one input`, { found: `${args.length} inputs` });
      const x = args[0]!;
      if (x.type.kind !== "tensor") return fail("E0403", x.expr.span, `the input of \`${p.name}\` must be a tensor`, { found: typeText(x.type) });
      const dims = x.type.dims;
      const argSym = (n: string) => v.args.get(n)?.sym;
      switch (rule.kind) {
        case "features": {
          const from = argSym(rule.from);
          const to = argSym(rule.to);
          if (!from || !to) return tensor(dims.slice(0, -1).concat([to ?? Sym.atom("?")]));
          if (dims.length === 0) return fail("E0305", x.expr.span, `the input of \`${p.name}\` has no feature dimension`);
          const layer = callee === p.name ? `${p.name}(${from.toString()}, ${to.toString()})` : `\`${callee}\` = ${p.name}(${from.toString()}, ${to.toString()})`;
          if (!sameDim(from, dims[dims.length - 1]!, x.expr.span, "E0303", `input features of ${layer}`)) {
            diagnostics[diagnostics.length - 1]!.notes = [{ message: `the input \`${exprText(x.expr)}\` has shape ${typeText(x.type)}` }];
            return undefined;
          }
          return tensor([...dims.slice(0, -1), to]);
        }
        case "lookup": {
          if (!x.type.ids) {
            const who = callee === p.name ? p.name : `\`${callee}\` (${p.name})`;
            return fail("E0403", x.expr.span, `${who} looks up token ids, but \`${exprText(x.expr)}\` is a float tensor`, {
              expected: `ids[${dims.map(String).join(", ")}]`,
              found: typeText(x.type),
              hint: "token ids come from an `ids[…]` input, `position_ids`, or integer arithmetic on them (`p + 2`)",
            });
          }
          const d = argSym(rule.dim);
          return tensor([...dims, d ?? Sym.atom("?")]);
        }
        case "same": {
          const ld = rule.lastDim ? argSym(rule.lastDim) : undefined;
          if (ld && dims.length > 0) sameDim(ld, dims[dims.length - 1]!, x.expr.span, "E0301", `normalised dimension of ${callee === p.name ? p.name : `\`${callee}\` (${p.name})`}`);
          return x.type;
        }
      }
    }
    const b = v.block;
    if (!b.forward) return fail("E0402", span, `block \`${b.name}\` has no forward and cannot be called`, { hint: "give it a `forward(...) -> [...] { ... }`" });
    const formals = b.forward.params;
    const required = formals.filter((f) => !f.default).length;
    if (args.length < required || args.length > formals.length) {
      const who = callee === b.name ? `\`${b.name}\`` : `\`${callee}\` (block ${b.name})`;
      return fail("E0111", span, `${who} takes ${required === formals.length ? required : `${required} to ${formals.length}`} input${formals.length === 1 ? "" : "s"}, but ${args.length} ${args.length === 1 ? "was" : "were"} given`, {
        expected: `${b.name}(${formals.map((f) => f.name).join(", ")})`,
      });
    }
    const bindings = new Map<string, Sym>();
    const dimLookup = (n: string): Sym | undefined => v.args.get(n)?.sym ?? bindings.get(n) ?? configSym(n) ?? Sym.symbol(`\u0000${n}`);
    args.forEach((a, i) => {
      const f = formals[i]!;
      if (f.scalar) {
        if (a.type.kind !== "scalar" || (a.type.base !== "int" && a.type.base !== "any")) {
          fail("E0201", a.expr.span, `input \`${f.name}\` of \`${b.name}\` is an int`, { found: typeText(a.type) });
        }
        return;
      }
      if (a.type.kind !== "tensor") {
        fail("E0403", a.expr.span, `input \`${f.name}\` of \`${b.name}\` must be a tensor`, { found: typeText(a.type) });
        return;
      }
      const actual = a.type.dims;
      const declared = f.type.dims;
      if (declared.length !== actual.length) {
        fail("E0307", a.expr.span, `input \`${f.name}\` of \`${b.name}\` has the wrong rank`, {
          expected: `[${declared.map(exprText).join(", ")}]`,
          found: typeText(a.type),
        });
        return;
      }
      declared.forEach((d, j) => {
        // A bare free dim (B, T) binds on first sight; anything else must match.
        if (d.kind === "name" && !v.args.has(d.name) && !configSym(d.name) && !bindings.has(d.name)) {
          bindings.set(d.name, actual[j]!);
          return;
        }
        const want = toSym(d, dimLookup);
        if (want) sameDim(want, actual[j]!, a.expr.span, "E0307", `dimension ${j} of input \`${f.name}\` of \`${b.name}\``);
      });
    });
    const result = b.forward.result;
    if (!result) {
      // No declared result: what its `return` gives (`return x, x` is a pair), in the caller's sizes.
      const returned = returnedTypes(b);
      if (!returned) return { kind: "tuple", items: [] };
      const subst = new Map<string, Sym>(bindings);
      for (const [n, a] of v.args) if (a.sym) subst.set(n, a.sym);
      const items = returned.map((t) => (t.kind === "tensor" ? tensor(t.dims.map((d) => d.substitute(subst)), t.ids) : t));
      return items.length === 1 ? items[0] : { kind: "tuple", items };
    }
    return tensor(result.dims.map((d) => toSym(d, dimLookup) ?? Sym.atom(exprText(d))), result.ids);
  };

  const callModule = (t: ModuleT, args: OpArg[], span: A.Span, callee?: string): Type | undefined => {
    // Each variant is checked where it is the one built; results are compared where that cannot be told.
    const results = t.variants.map((v) => ({ when: v.when ?? [], type: guarded(v.when ?? [], () => callVariant(v, args, span, callee)) }));
    const first = results[0]?.type;
    const choices = results.filter((r) => r.type?.kind === "tensor") as { when: Condition[]; type: TensorT }[];
    if (first?.kind !== "tensor" || choices.length < 2) return first;
    guarded([undecided(choices.flatMap((c) => c.when))], () => {
      for (const r of choices.slice(1)) first.dims.forEach((d, i) => r.type.dims[i] && sameDim(d, r.type.dims[i]!, span, "E0306", `dimension ${i} of the two choices' results`));
    });
    const cond = choices.length === 2 ? choices[0]!.when.at(-1)?.text : undefined;
    return chosenTensor(choices, (ds) => (cond ? `if ${cond} then ${ds[0]} else ${ds[1]}` : ds.join(" | ")));
  };

  // The type of a value chosen per configuration: a size that differs between the options is
  // the size of the option that configuration takes.
  const chosenTensor = (options: { when: Condition[]; type: TensorT }[], text: (dims: string[]) => string): TensorT => {
    const first = options[0]!.type;
    const all = (cs: Condition[]): Condition => (env) => (cs.some((c) => c(env) === false) ? false : cs.every((c) => c(env) === true) ? true : undefined);
    const dims = first.dims.map((d, i) => {
      const syms = options.map((o) => o.type.dims[i] ?? d);
      if (syms.every((x) => x.equals(d))) return d;
      return choiceSym(text(syms.map(String)), options.map((o, k) => ({ when: all(o.when), sym: syms[k]! })));
    });
    return tensor(dims, first.ids);
  };

  // ---- forward bodies
  // Each block is checked once, a called block before its caller when the caller needs what
  // it returns (a block without a declared result).
  const returns = new Map<BlockIR, Type[] | undefined>();
  const checking = new Set<BlockIR>();
  const returnedTypes = (b: BlockIR): Type[] | undefined => {
    if (!returns.has(b) && !checking.has(b)) {
      const outer = guards.splice(0);
      const roles = symbolRoles;
      try {
        checkBlock(b);
      } finally {
        guards.push(...outer);
        symbolRoles = roles;
      }
    }
    return returns.get(b);
  };

  const checkBlock = (b: BlockIR): void => {
    if (returns.has(b) || checking.has(b)) return;
    checking.add(b);
    symbolRoles = new Map(b.params.map((p) => [p.name, `a parameter of block \`${b.name}\` (each use gives its own value)`]));
    try {
      checkBlockBody(b);
    } finally {
      checking.delete(b);
      if (!returns.has(b)) returns.set(b, undefined);
    }
  };

  const checkBlockBody = (b: BlockIR): void => {
    const submods = new Map<string, ModuleT | ModuleListT>();
    const blockParams = new Map(b.params.map((p) => [p.name, { kind: "scalar", sym: Sym.symbol(p.name), base: p.type.name } as ScalarT]));
    const declScope = (n: string): Type | undefined => blockParams.get(n) ?? lookupConfig(n);
    const seen = new Map<string, A.Span>();
    // Names whose declaration already failed (a submodule, a local): their uses would only echo it.
    const unresolved = new Set<string>();
    const conditional = new Map<string, A.Expr>();
    for (const sm of b.submodules) {
      const first = seen.get(sm.name);
      if (first) {
        diagnostics.push(
          error("E0102", sm.nameSpan, `submodule \`${sm.name}\` is declared twice in \`${b.name}\``, {
            notes: [{ message: "first declared here", span: first }],
            hint: "submodule names are parameter-name prefixes and must be unique within a block",
          }),
        );
        continue;
      }
      seen.set(sm.name, sm.nameSpan);
      if (blockParams.has(sm.name)) fail("E0102", sm.nameSpan, `\`${sm.name}\` is both a parameter and a submodule of \`${b.name}\``);
      if (sm.cond) {
        checkNames(sm.cond, declScope);
        conditional.set(sm.name, sm.cond);
      }
      if (sm.className) checkNames(sm.className, declScope);
      const t = moduleTypeOf(sm.module, declScope, 0, (n) => !blockParams.has(n) && isConfigName(n));
      if (t) submods.set(sm.name, t);
      else unresolved.add(sm.name);
    }
    if (b.alias) moduleTypeOf(b.alias, declScope);
    for (const p of b.params) if (p.default) checkNames(p.default, lookupConfig);
    const f = b.forward;
    if (!f) return;

    const locals = new Map<string, Type>();
    const loopVars = new Map<string, { type: Type; overModules: boolean }>();
    let site = 0;
    const freeDims = new Set<string>();
    for (const formal of f.params) {
      if (formal.scalar) {
        if (formal.scalar.name !== "int") fail("E0201", formal.scalar.span, `a forward input is a tensor (\`[…]\`, \`ids[…]\`) or an \`int\`, found \`${formal.scalar.name}\``);
        if (formal.default) fail("E0201", formal.default.span, `the int input \`${formal.name}\` cannot have a default`);
        // Its value is known only at run time (the expert `moe` computes): not a dimension.
        locals.set(formal.name, { kind: "scalar", base: "int" });
        continue;
      }
      const dims = formal.type.dims.map((d) => {
        if (d.kind === "name" && !blockParams.has(d.name) && !configSym(d.name)) freeDims.add(d.name);
        return toSym(d, (n) => blockParams.get(n)?.sym ?? configSym(n) ?? Sym.symbol(n)) ?? Sym.atom(exprText(d));
      });
      for (const d of formal.type.dims) checkNames(d, (n) => (freeDims.has(n) ? { kind: "scalar", base: "int" } : declScope(n)));
      locals.set(formal.name, tensor(dims, formal.type.ids));
    }

    // A condition in the body reads config values; a local, loop variable or block parameter
    // of the same name (as they are when the condition is met) makes it undecided.
    const bodyCondition = (cond: A.Expr): Condition => {
      const shadowed = new Set([...locals.keys(), ...loopVars.keys(), ...blockParams.keys(), ...submods.keys(), ...freeDims]);
      return condition(cond, (n) => !shadowed.has(n) && isConfigName(n));
    };

    // Arithmetic on a config value that is null on a configuration running this code is the
    // same error as in a `let` (`-p` with `param p: float? = null`), not a silent -0.
    const nullOperand = (operand: A.Expr, op: A.Expr): boolean => {
      if (operand.kind !== "name" || !isConfigName(operand.name) || locals.has(operand.name) || loopVars.has(operand.name) || blockParams.has(operand.name)) return false;
      const env = liveEnvs().find((v) => v.values.get(operand.name) === null);
      if (!env) return false;
      fail("E0201", operand.span, `\`${exprText(op)}\` does arithmetic on \`${operand.name}\`, which is null in ${env.label}`, {
        hint: `choose a value for the null case: \`if ${operand.name} == null then … else ${exprText(op)}\`, or give \`${operand.name}\` a number`,
      });
      return true;
    };

    const lookup = (n: string, span: A.Span): Type | undefined => {
      void span;
      const lv = loopVars.get(n);
      if (lv) return lv.type;
      return locals.get(n) ?? submods.get(n) ?? blockParams.get(n) ?? lookupConfig(n) ?? (freeDims.has(n) ? { kind: "scalar", sym: Sym.symbol(n), base: "int" } : undefined);
    };

    // A submodule declared `name: X if cond` exists only where cond holds: a use that runs on a
    // configuration without it would fail at run time.
    const presentHere = (e: Extract<A.Expr, { kind: "name" }>): boolean => {
      const decl = conditional.get(e.name);
      if (!decl) return true;
      const exists = condition(decl, (n) => !blockParams.has(n) && isConfigName(n));
      const missing = liveEnvs().find((env) => exists(env) === false);
      if (!missing) return true;
      fail("E0406", e.span, `\`${e.name}\` is used where it does not exist: it is declared \`if ${exprText(decl)}\`, which is false in ${missing.label}`, {
        hint: `use it under the same condition: \`if ${exprText(decl)} { … }\` or \`if ${exprText(decl)} then ${e.name}(x) else x\``,
      });
      return false;
    };

    const resolveName = (e: Extract<A.Expr, { kind: "name" }>): Type | undefined => {
      const lv = loopVars.get(e.name);
      if (!lv && unresolved.has(e.name)) return undefined;
      if (lv) {
        annotations.resolutions.set(e, { kind: "loopVar", name: e.name, overModules: lv.overModules });
        return lv.type;
      }
      const local = locals.get(e.name);
      if (local) {
        annotations.resolutions.set(e, { kind: "local" });
        return local;
      }
      const sm = submods.get(e.name);
      if (sm) {
        if (!presentHere(e)) return undefined;
        annotations.resolutions.set(e, { kind: "submodule", name: e.name, type: sm });
        return paramValue(sm);
      }
      const bp = blockParams.get(e.name);
      if (bp) {
        annotations.resolutions.set(e, { kind: "blockParam", name: e.name });
        return bp;
      }
      const c = lookupConfig(e.name);
      if (c) {
        annotations.resolutions.set(e, { kind: "config", name: e.name });
        return c;
      }
      if (freeDims.has(e.name)) {
        annotations.resolutions.set(e, { kind: "local" });
        return { kind: "scalar", sym: Sym.symbol(e.name), base: "int" };
      }
      const own = [...locals.keys(), ...submods.keys(), ...blockParams.keys()];
      const fix = suggestAt(e.name, [...own, ...arch.params.keys(), ...arch.lets.keys()], e.span);
      return fail("E0101", e.span, `unknown name \`${e.name}\``, {
        ...fix,
        hint: fix.hint ?? `in scope in \`${b.name}\`: ${own.slice(0, 10).join(", ")}${own.length > 10 ? ", …" : ""} and the hyperparameters`,
      });
    };

    const infer = (e: A.Expr): Type | undefined => {
      const t = inferInner(e);
      if (t) annotations.types.set(e, t);
      return t;
    };

    const inferInner = (e: A.Expr): Type | undefined => {
      switch (e.kind) {
        case "num":
        case "str":
        case "bool":
        case "null":
        case "list":
          if (e.kind === "list") e.items.forEach((i) => infer(i));
          return scalarOf(e, lookup);
        case "name":
          return resolveName(e);
        case "unary": {
          const t = infer(e.operand);
          if (!t) return undefined;
          if (e.op === "-" && t.kind === "scalar" && nullOperand(e.operand, e)) return undefined;
          if (t.kind === "tensor" || t.kind === "scalar") return t.kind === "scalar" && e.op === "-" && t.sym ? { ...t, sym: t.sym.neg() } : t;
          return fail("E0403", e.operand.span, `\`${e.op}\` needs a tensor or a number`, { found: typeText(t) });
        }
        case "binary":
          return inferBinary(e);
        case "if": {
          infer(e.cond);
          // Each branch is checked on the configurations that take it; their sizes are compared
          // only where the condition cannot be told (it reads a block parameter or a local).
          const c = bodyCondition(e.cond);
          const a = guarded([c], () => infer(e.then));
          const b2 = guarded([negate(c)], () => infer(e.else));
          if (a?.kind === "tensor" && b2?.kind === "tensor") {
            if (a.dims.length !== b2.dims.length) return fail("E0305", e.span, "the two branches have different ranks", { expected: typeText(a), found: typeText(b2) });
            guarded([undecided([c])], () => a.dims.forEach((d, i) => sameDim(d, b2.dims[i]!, e.else.span, "E0301", `dimension ${i} of the else branch`)));
            return chosenTensor(
              [
                { when: [c], type: a },
                { when: [negate(c)], type: b2 },
              ],
              ([x, y]) => `if ${exprText(e.cond)} then ${x} else ${y}`,
            );
          }
          return a ?? b2;
        }
        case "range":
          infer(e.from);
          infer(e.to);
          return { kind: "range" };
        case "index": {
          const target = infer(e.target);
          infer(e.index);
          if (target?.kind === "modlist") {
            const items = (target as ModuleListT & { items?: ModuleT[] }).items;
            const k = e.index.kind === "num" ? e.index.value : undefined;
            return items && k !== undefined && items[k] ? items[k] : target.item;
          }
          if (target?.kind === "scalar") return { kind: "scalar", base: "any", sym: toSym(e, (n) => (lookup(n, e.span) as ScalarT | undefined)?.sym) ?? Sym.atom(exprText(e)) };
          if (target) return fail("E0201", e.target.span, "only lists of modules and config lists can be indexed in a forward", { found: typeText(target) });
          return undefined;
        }
        case "member": {
          const target = infer(e.target);
          if (target?.kind === "module") {
            const v = target.variants[0]!;
            if (v.kind === "primitive") {
              let shapes: ReturnType<typeof v.primitive.weights>;
              try {
                shapes = v.primitive.weights(Object.fromEntries([...v.args].map(([k, s]) => [k, s.sym?.constValue() ?? 1])));
              } catch (err) {
                if (err instanceof PrimitiveArgumentError) return fail("E0203", e.target.span, `${v.primitive.name}: ${err.message}`);
                throw err;
              }
              const w = shapes.find((s) => s.name === e.name);
              if (w) {
                // Symbolic weight shape: recompute with symbols standing for the arguments.
                const dims = weightDims(v, e.name);
                return tensor(dims ?? w.shape.map((n) => Sym.const(n)));
              }
            } else {
              // A path into a child block (`transformer.wte.weight`): its submodule, typed with the block's arguments.
              const sm = v.block.submodules.find((s) => s.name === e.name);
              if (sm) return paramValue(moduleTypeOf(sm.module, (n) => v.args.get(n) ?? lookupConfig(n)));
            }
            return fail("E0101", e.span, `\`${exprText(e.target)}\` has no parameter \`${e.name}\``);
          }
          return fail("E0201", e.span, "`.` is only for the parameters of a submodule (`lm_head.weight`)");
        }
        case "call":
          return inferCall(e);
        case "comprehension":
          return fail("E0201", e.span, "list comprehensions are for submodule lists, not forward bodies");
      }
    };

    const weightDims = (v: Extract<ModuleVariant, { kind: "primitive" }>, name: string): Sym[] | undefined => {
      const a = (n: string) => v.args.get(n)?.sym ?? Sym.atom(n);
      switch (v.primitive.name) {
        case "Linear":
          return name === "weight" ? [a("out_features"), a("in_features")] : [a("out_features")];
        case "Conv1D":
          return name === "weight" ? [a("in_features"), a("out_features")] : [a("out_features")];
        case "Embedding":
          return [a("num_embeddings"), a("embedding_dim")];
        case "LayerNorm":
        case "RMSNorm":
          return [a("dim")];
        default:
          return undefined;
      }
    };

    const inferBinary = (e: Extract<A.Expr, { kind: "binary" }>): Type | undefined => {
      const l = infer(e.left);
      const r = infer(e.right);
      if (!l || !r) return undefined;
      if (["+", "-", "*", "/", "//", "%", "**"].includes(e.op) && ((l.kind === "scalar" && nullOperand(e.left, e)) || (r.kind === "scalar" && nullOperand(e.right, e)))) return undefined;
      if (l.kind === "scalar" && r.kind === "scalar") {
        const sym = toSym(e, (n) => (lookup(n, e.span) as ScalarT | undefined)?.sym);
        const cmp = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"].includes(e.op);
        return { kind: "scalar", ...(sym && !cmp ? { sym } : {}), base: cmp ? "bool" : "any" };
      }
      if (e.op === "@") {
        if (l.kind !== "tensor" || r.kind !== "tensor") return fail("E0403", e.span, "`@` multiplies two tensors", { found: `${typeText(l)} @ ${typeText(r)}` });
        if (l.dims.length < 2 || r.dims.length < 2) return fail("E0305", e.span, "`@` needs operands of rank 2 or more", { found: `${typeText(l)} @ ${typeText(r)}` });
        const k1 = l.dims[l.dims.length - 1]!;
        const k2 = r.dims[r.dims.length - 2]!;
        const what = `the last dimension of \`${exprText(e.left)}\` differs from the second-to-last of \`${exprText(e.right)}\``;
        if (!sameDim(k1, k2, e.span, "E0302", what)) {
          diagnostics[diagnostics.length - 1]!.notes = [{ message: `${exprText(e.left)}: ${typeText(l)}` }, { message: `${exprText(e.right)}: ${typeText(r)}` }];
          return undefined;
        }
        const batch = broadcastDims(l.dims.slice(0, -2), r.dims.slice(0, -2), e) ?? l.dims.slice(0, -2);
        return tensor([...batch, l.dims[l.dims.length - 2]!, r.dims[r.dims.length - 1]!]);
      }
      if (!["+", "-", "*", "/"].includes(e.op)) return fail("E0403", e.span, `\`${e.op}\` is not defined on tensors`);
      // Ids with ids or integers under + - * stay ids (positions `p + 2` index a table); anything else is float.
      const integral = (t: Type) => (t.kind === "tensor" ? t.ids : t.kind === "scalar" && (t.base === "int" || (t.base === "any" && !!t.sym)));
      const ids = ["+", "-", "*"].includes(e.op) && integral(l) && integral(r);
      if (l.kind === "tensor" && r.kind === "scalar") return tensor(l.dims, ids);
      if (l.kind === "scalar" && r.kind === "tensor") return tensor(r.dims, ids);
      if (l.kind !== "tensor" || r.kind !== "tensor") return fail("E0403", e.span, `\`${e.op}\` needs tensors or numbers`, { found: `${typeText(l)} ${e.op} ${typeText(r)}` });
      const dims = broadcastDims(l.dims, r.dims, e);
      return dims ? tensor(dims, ids) : undefined;
    };

    const broadcastDims = (a: Sym[], b: Sym[], e: Extract<A.Expr, { kind: "binary" }>): Sym[] | undefined => {
      const n = Math.max(a.length, b.length);
      const out: Sym[] = [];
      for (let i = 0; i < n; i++) {
        const x = a[a.length - n + i];
        const y = b[b.length - n + i];
        if (!x) out.push(y!);
        else if (!y) out.push(x);
        else if (x.constValue() === 1) out.push(y);
        else if (y.constValue() === 1) out.push(x);
        else {
          if (x.equals(y)) {
            out.push(x);
            continue;
          }
          const ok = sameDim(x, y, e.span, "E0301", `dimension ${i} of \`${exprText(e.left)} ${e.op} ${exprText(e.right)}\``);
          if (!ok) {
            const last = diagnostics[diagnostics.length - 1]!;
            last.expected = `[${a.map(String).join(", ")}]  (${last.expected})`;
            last.found = `[${b.map(String).join(", ")}]  (${last.found})`;
            return undefined;
          }
          out.push(x);
        }
      }
      return out;
    };

    const inferCall = (e: Extract<A.Expr, { kind: "call" }>): Type | undefined => {
      // A submodule (or element of a module list) being applied. A module list cannot be called, so
      // an op of the same name stays reachable (`moe(x, logits, moe)` with experts in `moe`).
      const listNamedLikeOp = e.callee.kind === "name" && !!ops[e.callee.name] && submods.get(e.callee.name)?.kind === "modlist";
      if (e.callee.kind !== "name" || locals.has(e.callee.name) || (submods.has(e.callee.name) && !listNamedLikeOp) || loopVars.has(e.callee.name) || unresolved.has(e.callee.name)) {
        const ct = infer(e.callee);
        if (!ct) {
          e.args.forEach((a) => infer(a.value));
          return undefined;
        }
        if (ct.kind !== "module") return fail("E0403", e.callee.span, `\`${exprText(e.callee)}\` is not callable`, { found: typeText(ct) });
        const args = e.args.map((a) => {
          if (a.keyword) fail("E0110", a.span, "module inputs are positional");
          return { type: infer(a.value), expr: a.value };
        });
        annotations.resolutions.set(e, { kind: "call-module", type: ct });
        // An argument that already failed has been reported; checking the call would only cascade.
        if (args.some((a) => !a.type)) return undefined;
        return rootCause(() => callModule(ct, args as OpArg[], e.span, exprText(e.callee)));
      }
      const name = e.callee.name;
      const op = ops[name];
      if (!op) {
        if (builtins[name]) {
          e.args.forEach((a) => infer(a.value));
          annotations.resolutions.set(e, { kind: "config", name });
          return { kind: "scalar", ...(toSym(e, (n) => (lookup(n, e.span) as ScalarT | undefined)?.sym) ? {} : {}), base: "any" };
        }
        return fail("E0405", e.callee.span, `unknown operation \`${name}\``, {
          hint: suggest(name, [...Object.keys(ops), ...submods.keys()]) ?? "see docs/language.md for the list of operations",
        } as { hint?: string });
      }
      annotations.resolutions.set(e, { kind: "op", name, site: op.stateful ? site++ : -1 });
      const named: Record<string, OpArg | undefined> = {};
      const rest: OpArg[] = [];
      let pos = 0;
      const positional = op.params.map((p) => p.replace(/\?$/, ""));
      // The argument list (the op's doc string can be long; this is what the call must match).
      const keywordNames = Object.keys(op.keywords ?? {});
      const signature = `${name}(${[...op.params.map((p) => (p.endsWith("?") ? `${p.slice(0, -1)} = …` : p)), ...(op.variadic ? ["…"] : []), ...keywordNames.map((k) => `${k} = …`)].join(", ")})`;
      const positionalGiven = e.args.filter((x) => !x.keyword).length;
      let broken = false;
      for (const a of e.args) {
        const inferred = infer(a.value);
        if (!inferred) broken = true;
        const arg: OpArg = { type: inferred ?? { kind: "scalar", base: "any" }, expr: a.value };
        if (a.keyword) {
          if (!positional.includes(a.keyword) && !(op.keywords && a.keyword in op.keywords)) {
            fail("E0110", a.span, `\`${name}\` has no argument \`${a.keyword}\``, {
              expected: signature,
              hint: suggest(a.keyword, [...positional, ...Object.keys(op.keywords ?? {})]),
            } as { expected: string; hint?: string });
            continue;
          }
          named[a.keyword] = arg;
        } else if (pos < positional.length) named[positional[pos++]!] = arg;
        else if (op.variadic) rest.push(arg);
        else if (pos++ === positional.length) {
          fail("E0111", a.span, `\`${name}\` takes ${positional.length} positional argument${positional.length === 1 ? "" : "s"}, but ${positionalGiven} were given`, {
            expected: signature,
            found: `${positionalGiven} positional arguments`,
          });
        }
      }
      const missing = op.params.filter((p) => !p.endsWith("?") && !named[p]);
      if (missing.length) return fail("E0112", e.span, `\`${name}\` needs argument \`${missing[0]}\``, { expected: signature, hint: op.doc });
      if (broken) return undefined;
      const ctx: OpContext = { fail, sameDim: (x, y, sp, code, what) => sameDim(x, y, sp, code, what, name), divides, callSpan: e.span };
      return rootCause(() => op.infer(named, ctx, rest));
    };

    const bind = (s: A.Stmt, names: string[], t: Type | undefined, span: A.Span, isLet: boolean): void => {
      const types: Type[] =
        names.length === 1 ? (t ? [t] : []) : t?.kind === "tuple" ? t.items : [];
      if (names.length > 1 && t && t.kind !== "tuple") fail("E0111", span, `cannot unpack ${typeText(t)} into ${names.length} names`);
      if (names.length > 1 && t?.kind === "tuple" && t.items.length !== names.length) {
        fail("E0111", span, `cannot unpack ${t.items.length} values into ${names.length} names`, { expected: `${names.length} values`, found: typeText(t) });
      }
      const recorded: { name: string; type: Type }[] = [];
      names.forEach((n, i) => {
        if (!isLet && !locals.has(n)) {
          fail("E0101", span, `assignment to undeclared \`${n}\``, { hint: `declare it first with \`let ${n} = …\`` });
        }
        if (isLet && (submods.has(n) || blockParams.has(n))) fail("E0102", span, `\`let ${n}\` shadows a submodule or parameter of \`${b.name}\``);
        const ti = types[i];
        if (ti) {
          locals.set(n, ti);
          unresolved.delete(n);
          recorded.push({ name: n, type: ti });
        } else {
          if (!locals.has(n)) locals.set(n, { kind: "scalar", base: "any" });
          unresolved.add(n);
        }
      });
      annotations.bindings.set(s, recorded);
    };

    let returned = false;
    const declared = f.result;
    // Walks statements; true when they always end in a `return`. After `if c { … return }`, the
    // rest of the list runs only where c does not hold.
    const walk = (stmts: A.Stmt[]): boolean => {
      const depth = guards.length;
      let ends = false;
      for (const s of stmts) {
        switch (s.kind) {
          case "let":
          case "assign":
            bind(s, s.names, infer(s.value), s.span, s.kind === "let");
            break;
          case "emit": {
            if (s.index) infer(s.index);
            const t = infer(s.value);
            if (t && t.kind !== "tensor") fail("E0403", s.value.span, "only tensors can be emitted", { found: typeText(t) });
            break;
          }
          case "return": {
            returned = true;
            ends = true;
            const ts = s.values.map((v) => infer(v));
            if (!declared && !returns.has(b) && ts.every((t) => t?.kind === "tensor")) returns.set(b, ts as Type[]);
            if (declared && ts.length === 1 && ts[0]?.kind === "tensor") {
              const got = ts[0];
              const want = declared.dims.map((d) => toSym(d, (n) => blockParams.get(n)?.sym ?? configSym(n) ?? Sym.symbol(n)) ?? Sym.atom(exprText(d)));
              if (want.length !== got.dims.length) {
                fail("E0306", s.values[0]!.span, `\`${b.name}\` returns a tensor of rank ${got.dims.length}, but declares rank ${want.length}`, {
                  expected: `[${declared.dims.map(exprText).join(", ")}]`,
                  found: typeText(got),
                });
              } else {
                want.forEach((w, i) => sameDim(w, got.dims[i]!, s.values[0]!.span, "E0306", `dimension ${i} of the result of \`${b.name}\``));
              }
            }
            break;
          }
          case "for": {
            const it = infer(s.iter);
            const overModules = it?.kind === "modlist";
            const vt: Type = overModules ? (it as ModuleListT).item : { kind: "scalar", sym: Sym.symbol(s.variable), base: "int" };
            if (it && it.kind !== "modlist" && it.kind !== "range" && !(it.kind === "scalar" && it.base === "list")) {
              fail("E0201", s.iter.span, "`for` iterates over a module list or a range `a..b`", { found: typeText(it) });
            }
            loopVars.set(s.variable, { type: vt, overModules });
            if (!overModules) symbolRoles.set(s.variable, "a loop variable (it takes each value of its range)");
            const before = new Map(locals);
            walk(s.body);
            loopVars.delete(s.variable);
            symbolRoles.delete(s.variable);
            // A loop-carried tensor must keep its shape from one iteration to the next.
            for (const [n, t0] of before) {
              const t1 = locals.get(n);
              if (t0.kind === "tensor" && t1?.kind === "tensor" && t0.dims.length === t1.dims.length) {
                t0.dims.forEach((d, i) => sameDim(d, t1.dims[i]!, s.span, "E0306", `dimension ${i} of \`${n}\` after one iteration`));
              }
            }
            break;
          }
          case "if": {
            infer(s.cond);
            const c = bodyCondition(s.cond);
            const before = new Map(locals);
            const thenEnds = guarded([c], () => walk(s.then));
            const afterThen = new Map(locals);
            let elseEnds = false;
            locals.clear();
            for (const [n, t] of before) locals.set(n, t);
            if (s.else) elseEnds = guarded([negate(c)], () => walk(s.else!));
            if (thenEnds && elseEnds) ends = true;
            else if (thenEnds) guards.push(negate(c));
            else if (elseEnds) {
              guards.push(c);
              locals.clear();
              for (const [n, t] of afterThen) locals.set(n, t);
            }
            // After the statement a local has the type of the branch the configuration took.
            for (const [n, t1] of thenEnds || elseEnds ? [] : afterThen) {
              const t2 = locals.get(n);
              if (!t2) locals.set(n, t1);
              else if (t1 !== t2 && t1.kind === "tensor" && t2.kind === "tensor" && t1.dims.length === t2.dims.length) {
                locals.set(n, chosenTensor([{ when: [c], type: t1 }, { when: [negate(c)], type: t2 }], ([x, y]) => `if ${exprText(s.cond)} then ${x} else ${y}`));
              }
            }
            break;
          }
        }
      }
      guards.length = depth;
      return ends;
    };
    // An input's default is computed from the inputs before it when the caller leaves it out.
    f.params.forEach((formal, i) => {
      if (formal.scalar) return;
      if (!formal.default) {
        const earlier = f.params.slice(0, i).find((p) => p.default);
        if (earlier) fail("E0111", formal.span, `input \`${formal.name}\` of \`${b.name}\` has no default but follows \`${earlier.name}\`, which has one`, { hint: "put inputs with defaults last" });
        return;
      }
      const later = f.params.slice(i).map((p) => [p.name, locals.get(p.name)!] as const);
      for (const [n] of later) locals.delete(n);
      const t = infer(formal.default);
      for (const [n, t0] of later) locals.set(n, t0);
      const want = locals.get(formal.name) as TensorT;
      if (!t) return;
      if (t.kind !== "tensor" || t.ids !== want.ids || t.dims.length !== want.dims.length) {
        fail("E0307", formal.default.span, `the default of input \`${formal.name}\` does not have its declared type`, { expected: typeText(want), found: typeText(t) });
        return;
      }
      want.dims.forEach((d, j) => sameDim(d, t.dims[j]!, formal.default!.span, "E0307", `dimension ${j} of the default of input \`${formal.name}\``));
    });
    walk(f.body);
    if (!returned && declared) fail("E0401", f.span, `forward of \`${b.name}\` declares a result but never returns`, { hint: "end the body with `return …`" });
  };

  for (const b of arch.blocks.values()) checkBlock(b);
  // A root is called with the model's tensors: an int input (a fused expert's index) has no caller there.
  for (const rootName of new Set([arch.root?.block, ...(arch.hf?.classes ?? []).map((c) => c.block)])) {
    const input = rootName ? arch.blocks.get(rootName)?.forward?.params.find((p) => p.scalar) : undefined;
    if (input) fail("E0201", input.span, `\`${rootName}\` is a root, and a root's inputs are tensors: \`${input.name}\` is an ${input.scalar!.name}`, { hint: "int inputs belong to blocks that `moe` calls with an expert index" });
  }
  if (arch.hf) for (const c of arch.hf.classes) if (!arch.blocks.has(c.block)) fail("E0103", c.span, `\`${c.hfClass}\` maps to unknown block \`${c.block}\``);
  if (arch.root && !arch.blocks.has(arch.root.block)) fail("E0103", arch.root.span, `unknown root block \`${arch.root.block}\``, { hint: suggest(arch.root.block, arch.blocks.keys()) } as { hint?: string });
  return { annotations, diagnostics: uniqueDiagnostics(diagnostics), envs };
}
