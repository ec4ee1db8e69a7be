export { WeightsError } from "./errors.js";
export { readSafetensors, writeSafetensors, encodeSafetensors, packedFormatFor, type SafetensorsFile, type ReadOptions } from "./safetensors.js";
export { readCheckpointDir, SINGLE_FILE, SHARD_INDEX, type CheckpointWeights } from "./checkpoint.js";
export { halfToFloat, LOADABLE_DTYPES, type LoadableDtype } from "./dtypes.js";
export { MAX_HEADER_BYTES } from "./header.js";
export { PackedTensor, heldBytes, type RowSource, type PackedAlloc } from "./packed.js";
export { WEIGHT_MODES, isWeightMode, Q8_BLOCK, toBf16Bits, type WeightMode, type PackedFormat } from "./formats.js";
