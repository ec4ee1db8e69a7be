// `archc export MODEL --torch -o OUT`: writes the PyTorch package of a model.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { error, DiagnosticError } from "../../compiler/diagnostics/diagnostic.js";
import { MissingLowering } from "../../compiler/export/torch/lowering-lookup.js";
import { torchPackage } from "../../compiler/export/torch/package.js";
import { writeAtomic } from "../files.js";
import type { ExportedModel } from "./model.js";

export function exportTorch(m: ExportedModel, out: string): string[] {
  let files;
  try {
    files = torchPackage(m.arch, { ...(m.preset ? { preset: m.preset } : {}), ...(m.values ? { values: m.values } : {}), ...(m.root ? { root: m.root } : {}) });
  } catch (e) {
    if (e instanceof MissingLowering) {
      throw new DiagnosticError([
        error("E0601", e.span, `cannot export ${m.arch.name} to PyTorch: the ${e.what} \`${e.item}\` has no PyTorch lowering`, {
          hint: `add a \`torch\` lowering to the definition of \`${e.item}\``,
        }),
      ]);
    }
    throw e;
  }
  mkdirSync(out, { recursive: true });
  for (const f of files) writeAtomic(join(out, f.path), f.text);
  return files.map((f) => join(out, f.path));
}
