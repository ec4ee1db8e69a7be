/** The op library called by generated forward passes (imported as the `ops` namespace). */
export * from "./elementwise.js";
export { erf, erfc } from "./erf.js";
export * from "./linear.js";
export * from "./embedding.js";
export * from "./norm.js";
export * from "./shape.js";
export * from "./softmax.js";
export * from "./rope.js";
export * from "./attention.js";
export * from "./alibi.js";
export * from "./conv.js";
export * from "./moe.js";
export * from "./recurrence.js";
export * from "./relative-position.js";
export * from "./logn-scaling.js";
export * from "./ntk-alpha.js";
