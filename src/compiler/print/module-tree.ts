// The module tree exactly as PyTorch's `print(model)` shows it: nn.Module.__repr__ with
// extra_repr lines first, and nn.ModuleList folding runs of identical children into
// `(0-31): 32 x Block(...)`.
import type { Instance } from "../elaborate/instance.js";

function addIndent(s: string, n: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}

export interface PrintOptions {
  /** Fold runs of identical list items (torch >= 2.0 does; 1.13 prints every item). Default true. */
  fold?: boolean;
}

export function printModuleTree(inst: Instance, opts: PrintOptions = {}): string {
  if (inst.kind === "list") return printList(inst, opts);
  const extra = inst.repr ? inst.repr.split("\n") : [];
  // Parameters and buffers owned directly by a module are not submodules: PyTorch does not print them.
  const childLines = inst.children.filter((c) => c.primitive?.apply.kind !== "value").map((c) => `(${c.name}): ${addIndent(printModuleTree(c, opts), 2)}`);
  const lines = [...extra, ...childLines];
  let s = `${inst.className}(`;
  if (lines.length) {
    if (extra.length === 1 && childLines.length === 0) s += extra[0];
    else s += "\n  " + lines.join("\n  ") + "\n";
  }
  return s + ")";
}

function printList(inst: Instance, opts: PrintOptions): string {
  // A list of bare parameters is an nn.ParameterList: its extra_repr lists each tensor.
  if (inst.children.length > 0 && inst.children.every((c) => c.primitive?.apply.kind === "value")) {
    const lines = inst.children.map((c) => `  (${c.name}): Parameter containing: [torch.float32 of size ${(c.weights[0]?.shape ?? []).join("x")}]`);
    return `ParameterList(\n  ${lines.join("\n  ")}\n)`;
  }
  const reprs = inst.children.map((c) => printModuleTree(c, opts));
  if (reprs.length === 0) return `${inst.className}()`;
  const runs: { start: number; end: number; text: string }[] = [];
  reprs.forEach((r, i) => {
    const last = runs[runs.length - 1];
    if (last && last.text === r && opts.fold !== false) last.end = i;
    else runs.push({ start: i, end: i, text: r });
  });
  const lines = runs.map((r) =>
    addIndent(r.start === r.end ? `(${inst.children[r.start]!.name}): ${r.text}` : `(${r.start}-${r.end}): ${r.end - r.start + 1} x ${r.text}`, 2),
  );
  return `${inst.className}(\n  ${lines.join("\n  ")}\n)`;
}
