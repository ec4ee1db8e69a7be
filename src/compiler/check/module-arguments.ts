// The arguments of a submodule declaration (`Linear(d, ffn, bias = false)`) bound to the
// parameters of the primitive or block it builds.
import type * as A from "../ast/nodes.js";
import { suggest } from "../diagnostics/suggest.js";
import { checkConfigNames } from "./config-names.js";
import type { CheckContext } from "./context.js";
import { scalarOf, type NameLookup } from "./scalars.js";
import type { ScalarT } from "./types.js";

export interface ModuleParam {
  name: string;
  optional: boolean;
}

/**
 * The argument given for each parameter, by name; undefined after reporting an unknown,
 * repeated, extra or missing argument.
 */
export function bindModuleArgs(ctx: CheckContext, params: ModuleParam[], args: A.Arg[], target: string, span: A.Span, lookup: NameLookup): Map<string, ScalarT> | undefined {
  const out = new Map<string, ScalarT>();
  let pos = 0;
  let ok = true;
  let unknownKeyword = false;
  const signature = `${target}(${params.map((x) => (x.optional ? `${x.name} = …` : x.name)).join(", ")})`;
  const positional = args.filter((a) => !a.keyword).length;
  for (const a of args) {
    checkConfigNames(ctx, a.value, lookup);
    const v = scalarOf(a.value, lookup) ?? { kind: "scalar", base: "any" };
    if (a.keyword) {
      if (!params.some((p) => p.name === a.keyword)) {
        ctx.fail("E0110", a.span, `\`${target}\` has no argument \`${a.keyword}\``, {
          expected: signature,
          hint: suggest(a.keyword, params.map((p) => p.name)) ?? `its arguments are: ${params.map((p) => p.name).join(", ") || "none"}`,
        });
        ok = false;
        unknownKeyword = true;
      } else if (out.has(a.keyword)) {
        ctx.fail("E0102", a.span, `argument \`${a.keyword}\` is given twice`, { expected: signature });
        ok = false;
      } else out.set(a.keyword, v);
    } else {
      const p = params[pos++];
      if (!p) {
        // Reported once, at the first argument too many.
        if (pos === params.length + 1) {
          ctx.fail("E0111", a.span, `\`${target}\` takes ${params.length} argument${params.length === 1 ? "" : "s"}, but ${positional} were given`, {
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
      ctx.fail("E0112", span, `\`${target}\` needs argument \`${p.name}\``, { expected: signature });
      ok = false;
    }
  }
  return ok ? out : undefined;
}
