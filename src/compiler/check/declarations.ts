// A block's declarations: its submodules (unique names, known blocks and primitives, bound
// arguments), its alias, and its parameters' defaults. What they build enters the block's scope.
import type { BlockScope } from "./block-scope.js";
import { checkConfigNames } from "./config-names.js";
import { bindModuleCallees } from "./module-callees.js";
import { moduleTypeOf } from "./module-types.js";
import type * as A from "../ast/nodes.js";

export function checkDeclarations(scope: BlockScope): void {
  const { ctx, block: b } = scope;
  const seen = new Map<string, A.Span>();
  for (const sm of b.submodules) {
    bindModuleCallees(ctx.arch, sm.module, ctx.moduleCallees);
    const first = seen.get(sm.name);
    if (first) {
      ctx.fail("E0102", sm.nameSpan, `submodule \`${sm.name}\` is declared twice in \`${b.name}\``, {
        notes: [{ message: "first declared here", span: first }],
        hint: "submodule names are parameter-name prefixes and must be unique within a block",
      });
      continue;
    }
    seen.set(sm.name, sm.nameSpan);
    declareSubmodule(scope, sm);
  }
  if (b.alias) {
    bindModuleCallees(ctx.arch, b.alias, ctx.moduleCallees);
    moduleTypeOf(ctx, b.alias, scope.declScope);
  }
  for (const p of b.params) if (p.default) checkConfigNames(ctx, p.default, ctx.config.lookup);
}

function declareSubmodule(scope: BlockScope, sm: A.SubmoduleDecl): void {
  const { ctx, block: b } = scope;
  if (scope.blockParams.has(sm.name)) ctx.fail("E0102", sm.nameSpan, `\`${sm.name}\` is both a parameter and a submodule of \`${b.name}\``);
  if (sm.cond) {
    checkConfigNames(ctx, sm.cond, scope.declScope);
    scope.conditional.set(sm.name, sm.cond);
  }
  if (sm.className) checkConfigNames(ctx, sm.className, scope.declScope);
  const t = moduleTypeOf(ctx, sm.module, scope.declScope, 0, scope.isConfigHere);
  if (t) {
    scope.submods.set(sm.name, t);
    ctx.submoduleTypes.set(sm, t);
  } else scope.unresolved.add(sm.name);
}
