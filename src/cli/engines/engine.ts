// The engines `archc verify --engine NAME` runs a conformance case on: archc's own runtime,
// or an exported package on another engine. Each takes a list of cases so that an engine with
// a costly start (a Python process importing torch) starts once for all of them.
import type { Workspace } from "../../compiler/workspace.js";
import { UsageError } from "../args.js";
import type { VerifyOptions, VerifyReport } from "../verify.js";

export interface VerifyEngine {
  /** What the engine needs that may be missing on this machine; undefined when it is ready. */
  unavailable(): string | undefined;
  /** `options.archs`: the architectures that may run the cases (default: every one in `ws`, i.e. the zoo). */
  verifyCases(ws: Workspace, dirs: string[], options?: VerifyOptions): Promise<VerifyReport[]>;
}

/** Exported graphs and packages hold the checkpoint's weights as they are: `--weights` is the bundled runtime's. */
export function bundledWeightsOnly(engine: string, options: VerifyOptions | undefined): void {
  if (options?.weights && options.weights !== "auto") throw new UsageError(`--weights ${options.weights} is the bundled runtime's; --engine ${engine} runs the weights as stored`);
}
