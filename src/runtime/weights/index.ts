export { WeightsError } from "./errors.js";
export { readSafetensors, writeSafetensors, encodeSafetensors, type SafetensorsFile, type ReadOptions } from "./safetensors.js";
export { readCheckpointDir, SINGLE_FILE, SHARD_INDEX, type CheckpointWeights } from "./checkpoint.js";
export { halfToFloat, LOADABLE_DTYPES, type LoadableDtype } from "./dtypes.js";
export { MAX_HEADER_BYTES } from "./header.js";
