// What the architecture names as its entry points: the root block and the blocks that
// Hugging Face classes map to must exist, and a root takes tensors only.
import { suggest } from "../diagnostics/suggest.js";
import type { CheckContext } from "./context.js";

export function checkRoots(ctx: CheckContext): void {
  const arch = ctx.arch;
  // A root is called with the model's tensors: an int input (a fused expert's index) has no caller there.
  for (const rootName of new Set([arch.root?.block, ...(arch.hf?.classes ?? []).map((c) => c.block)])) {
    const input = rootName ? arch.blocks.get(rootName)?.forward?.params.find((p) => p.scalar) : undefined;
    if (input) ctx.fail("E0201", input.span, `\`${rootName}\` is a root, and a root's inputs are tensors: \`${input.name}\` is an ${input.scalar!.name}`, { hint: "int inputs belong to blocks that `moe` calls with an expert index" });
  }
  if (arch.hf) for (const c of arch.hf.classes) if (!arch.blocks.has(c.block)) ctx.fail("E0103", c.span, `\`${c.hfClass}\` maps to unknown block \`${c.block}\``);
  if (arch.root && !arch.blocks.has(arch.root.block)) ctx.fail("E0103", arch.root.span, `unknown root block \`${arch.root.block}\``, { hint: suggest(arch.root.block, arch.blocks.keys()) } as { hint?: string });
}
