// Instantiates a generated module inside this process: TypeScript → JavaScript with the
// compiler's own TypeScript, then evaluated with `archc/runtime` bound to this runtime.
import { ts } from "ts-morph";
import * as runtime from "../../runtime/index.js";
import type { ArchIR } from "../ir/model.js";
import { generateModule } from "./module.js";

/** A generated module loaded in this process: the runtime's contract, and the source it came from. */
export type LoadedModule = runtime.GeneratedModel & { source: string };

export function instantiate(tsSource: string): LoadedModule {
  const js = ts.transpileModule(tsSource, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
  }).outputText;
  const exports: Record<string, unknown> = {};
  const require = (id: string): unknown => {
    if (id === "archc/runtime") return runtime;
    throw new Error(`generated code may only import archc/runtime, not ${id}`);
  };
  new Function("require", "exports", "module", js)(require, exports, { exports });
  return { ...(exports as unknown as Omit<LoadedModule, "source">), source: tsSource };
}

const cache = new WeakMap<ArchIR, Promise<LoadedModule>>();

export function loadArch(arch: ArchIR): Promise<LoadedModule> {
  let p = cache.get(arch);
  if (!p) {
    p = generateModule(arch).then((g) => instantiate(g.text));
    cache.set(arch, p);
  }
  return p;
}
