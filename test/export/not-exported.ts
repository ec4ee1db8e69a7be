// What the ONNX export does not cover yet, with the reason: the tests below check that each
// of these fails with exactly this located diagnostic (and notice when one starts to work).
// README.md and docs/onnx.md list the same.
export const notExportedConformance: Record<string, string> = {
};

export const notExportedZoo: Record<string, string> = {
  TransfoXL: "`adaptive_embedding` has no ONNX lowering",
};

/** Ops and primitives without an `onnx` lowering yet (the coverage test fails on any other). */
export const notLowered = {
  ops: ["memory", "relative_sinusoid", "relative_scores", "adaptive_embedding", "adaptive_log_softmax"],
  primitives: [] as string[],
};
