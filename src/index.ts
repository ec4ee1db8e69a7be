// archc's public API: what `import … from "archc"` gives a program or a test.
export { parseArch } from "./compiler/ast/build.js";
export { loadWorkspace, resolveModelRef, findPreset, allPresets, type Workspace, type ModelRef } from "./compiler/workspace.js";
export { checkWorkspace, checkedArch, configFor, modelFor } from "./compiler/pipeline.js";
export { resolveConfig, type ResolvedConfig } from "./compiler/eval/config.js";
export { elaborate, type ElaboratedModel, type Instance } from "./compiler/elaborate/instance.js";
export { printModuleTree } from "./compiler/print/module-tree.js";
export { computeStats, type ModelStats } from "./compiler/stats/stats.js";
export { generateModule, type GeneratedModule } from "./compiler/codegen/module.js";
export { instantiate, loadArch, type LoadedModule } from "./compiler/codegen/load.js";
export { diffModels, isEmpty, mirror, renderText, renderMarkdown, renderJson, renderHtml, type DiffReport } from "./compiler/diff/index.js";
export { formatArch } from "./compiler/format/format.js";
export { renderDiagnostics, diagnosticsToJson } from "./compiler/diagnostics/render.js";
export { catalogue, type DiagnosticCode } from "./compiler/diagnostics/catalogue.js";
export type { Diagnostic } from "./compiler/diagnostics/diagnostic.js";
export { main } from "./cli/main.js";
export * as testing from "./testing/properties.js";
