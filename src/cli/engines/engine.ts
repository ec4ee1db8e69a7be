// The engines `archc verify --engine NAME` runs a conformance case on: archc's own runtime,
// or an exported package on another engine. Each takes a list of cases so that an engine with
// a costly start (a Python process importing torch) starts once for all of them.
import type { ArchIR } from "../../compiler/ir/model.js";
import type { Workspace } from "../../compiler/workspace.js";
import type { VerifyReport } from "../verify.js";

export interface VerifyEngine {
  /** What the engine needs that may be missing on this machine; undefined when it is ready. */
  unavailable(): string | undefined;
  /** `archs`: the architectures that may run the cases (default: every one in `ws`, i.e. the zoo). */
  verifyCases(ws: Workspace, dirs: string[], archs?: ArchIR[]): Promise<VerifyReport[]>;
}
