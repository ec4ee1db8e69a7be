// Instantiates a generated module inside this process: TypeScript → JavaScript with the
// compiler's own TypeScript, then evaluated with `archc/runtime` bound to this runtime.
import { ts } from "ts-morph";
import * as runtime from "../../runtime/index.js";
import type { ArchIR } from "../ir/model.js";
import { generateModule } from "./module.js";

export interface RootEntry {
  build(cfg: Record<string, unknown>, w: runtime.WeightBinder): unknown;
  forward?: (self: unknown, cfg: Record<string, unknown>, ctx: runtime.ForwardContext, inputs: Record<string, runtime.Tensor | runtime.IntTensor | undefined>) => runtime.Tensor;
  inputs: string[];
}

/** The shape every generated module has (see codegen/module.ts). */
export interface LoadedModule {
  configure(given?: Record<string, unknown>): Record<string, unknown>;
  presets: Record<string, Record<string, unknown>>;
  hf: { modelTypes: string[]; classes: Record<string, string>; keys: Record<string, string[][]>; ignored: string[][] };
  roots: Record<string, RootEntry>;
  defaultRoot: string;
  source: string;
}

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
