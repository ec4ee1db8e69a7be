// What the ONNX export does not cover yet, with the reason: the tests below check that each
// of these fails with exactly this located diagnostic (and notice when one starts to work).
// README.md and docs/onnx.md list the same.
export const notExportedConformance: Record<string, string> = {
};

export const notExportedZoo: Record<string, string> = {
};

/** Ops and primitives without an `onnx` lowering yet (the coverage test fails on any other). */
export const notLowered = {
  ops: [] as string[],
  primitives: [] as string[],
};
