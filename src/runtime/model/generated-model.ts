// The contract between the compiler and the runtime: what every generated module exports.
// Generated code ends with `… satisfies rt.GeneratedModel`, so the TypeScript compiler checks
// each module against this one declaration; the compiler's loader and ModelSession read it.
import type { IntTensor, Tensor } from "../tensor.js";
import type { ForwardContext } from "./context.js";
import type { WeightBinder } from "./binder.js";

/** One entry point: a block a checkpoint can instantiate as its top-level module. */
export interface GeneratedRoot {
  // Methods (not function-valued properties), so that a module's precise types (its own
  // config and block types) check against these general ones.
  build(cfg: Record<string, unknown>, w: WeightBinder): unknown;
  forward?(self: unknown, cfg: Record<string, unknown>, ctx: ForwardContext, inputs: Record<string, Tensor | IntTensor | undefined>): Tensor;
  /** The forward's inputs, in order. */
  inputs: string[];
  /** The token-id input a generation extends (its length is the output's). */
  stream?: string | null;
  /** Token-id inputs given once with the prompt (an encoder's input). */
  context?: string[];
}

/** How config.json maps onto the hyperparameters, and which Hugging Face classes the module covers. */
export interface GeneratedHfMapping {
  modelTypes: string[];
  classes: Record<string, string>;
  keys: Record<string, string[][]>;
  ignored: string[][];
}

export interface GeneratedModel {
  /** Fills in defaults, computes derived values and checks every `require`. */
  configure(given?: Record<string, unknown>): Record<string, unknown>;
  /** Real checkpoints, as overrides of the defaults. */
  presets: Record<string, Record<string, unknown>>;
  hf: GeneratedHfMapping;
  roots: Record<string, GeneratedRoot>;
  defaultRoot: string;
}
