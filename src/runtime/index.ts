/**
 * The archc runtime: what generated forward passes import.
 * `ops` holds the kernels; tensors, errors, weights and randomness are top-level.
 */
export { Tensor, IntTensor, type Nested } from "./tensor.js";
export { shapeToString, shapeSize } from "./layout.js";
export { RuntimeShapeError, RuntimeIndexError, RuntimeArgumentError } from "./errors.js";
export * as ops from "./ops/index.js";
export { setThreads, getThreads, kernelBackend, sharedArray, sharedBytes, toSharedMemory } from "./kernels/index.js";
export type { AttentionOptions } from "./ops/attention.js";
export type { RopeOptions, RopeScaling } from "./ops/rope.js";
export type { MoeOptions, MoeRouting } from "./ops/moe.js";
export type { Wkv4State } from "./ops/recurrence.js";
export * from "./weights/index.js";
export { mulberry32, normalGenerator, randomTensor } from "./random.js";
// What generated modules call: the language's ops, the primitive modules, and the
// forward context / weight binder they run with.
export * as lang from "./lang/index.js";
export * as nn from "./nn/primitives.js";
export { ForwardContext, type KvEntry } from "./model/context.js";
export { ActivationScope } from "./kernels/activation-scope.js";
export { WeightBinder, WeightBindError, mapSource, randomSource, type WeightSource, type BindProblem } from "./model/binder.js";
export * as cfg from "./model/config-fns.js";
export { joinPath, ConfigError } from "./model/config-fns.js";
export { ModelSession, type ForwardOptions, type ForwardResult } from "./model/session.js";
export type { GeneratedModel, GeneratedRoot, GeneratedHfMapping } from "./model/generated-model.js";
export { generate, type GenerateOptions } from "./generate/generate.js";
export { Sampler, argmaxRow, type SamplingOptions } from "./generate/sampling.js";
