// What the ONNX export does not cover yet, with the reason: the tests below check that each
// of these fails with exactly this located diagnostic (and notice when one starts to work).
// README.md and docs/onnx.md list the same.
export const notExportedConformance: Record<string, string> = {
  "qwen-tiny": "rope scaling \"dynamic_alpha\"",
  "rwkv-tiny": "`token_shift` has no ONNX lowering",
  "t5-tiny": "encoder-decoder models cannot be exported to ONNX yet",
  "yuan2-tiny": "`segment_ids` has no ONNX lowering",
};

export const notExportedZoo: Record<string, string> = {
  LstmLM: "primitive `LSTM` (`rnn`) has no ONNX lowering",
  Qwen: "rope scaling \"dynamic_alpha\"",
  Rwkv: "`token_shift` has no ONNX lowering",
  Rwkv5: "`token_shift` has no ONNX lowering",
  Rwkv6: "`token_shift` has no ONNX lowering",
  T5: "encoder-decoder models cannot be exported to ONNX yet",
  TransfoXL: "`adaptive_embedding` has no ONNX lowering",
  Yuan2: "`segment_ids` has no ONNX lowering",
};

/** Ops and primitives without an `onnx` lowering yet (the coverage test fails on any other). */
export const notLowered = {
  ops: ["memory", "token_shift", "wkv_heads", "wkv4", "relative_sinusoid", "relative_scores", "relative_position_bias", "adaptive_embedding", "adaptive_log_softmax", "causal_conv", "segment_ids"],
  primitives: ["GroupNorm", "Buffer", "LSTM", "Conv2d"],
};
