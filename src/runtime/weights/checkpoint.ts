/**
 * A Hugging Face checkpoint directory: one `model.safetensors`, or shards
 * listed by `model.safetensors.index.json`. The index is cross-checked against
 * the shards so a missing or misplaced tensor is reported by name.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import type { Tensor } from "../tensor.js";
import type { LoadableDtype } from "./dtypes.js";
import { WeightsError } from "./errors.js";
import { readSafetensors, type ReadOptions } from "./safetensors.js";

export const SINGLE_FILE = "model.safetensors";
export const SHARD_INDEX = "model.safetensors.index.json";

export interface CheckpointWeights {
  tensors: Map<string, Tensor>;
  dtypes: Map<string, LoadableDtype>;
  /** The safetensors files read, in reading order. */
  files: string[];
  warnings: string[];
}

export function readCheckpointDir(dir: string, opts: ReadOptions = {}): CheckpointWeights {
  const single = join(dir, SINGLE_FILE);
  if (existsSync(single)) {
    const f = readSafetensors(single, opts);
    return { tensors: f.tensors, dtypes: f.dtypes, files: [single], warnings: f.warnings };
  }
  const indexPath = join(dir, SHARD_INDEX);
  if (!existsSync(indexPath)) {
    throw new WeightsError({ file: dir, expected: `${SINGLE_FILE} or ${SHARD_INDEX}`, found: "neither" });
  }
  return readSharded(dir, indexPath, opts);
}

/** weight_map: tensor name → shard file name, which must be a plain file inside `dir`. */
function readWeightMap(indexPath: string): Map<string, string> {
  let json: unknown;
  if (!statSync(indexPath).isFile()) throw new WeightsError({ file: indexPath, expected: "a JSON shard index", found: "a folder or a special file" });
  try {
    json = JSON.parse(readFileSync(indexPath, "utf8"));
  } catch (e) {
    throw new WeightsError({ file: indexPath, expected: "a JSON shard index", found: `invalid JSON (${(e as Error).message})` });
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new WeightsError({ file: indexPath, expected: "an object weight_map of tensor name → shard file", found: map === undefined ? "no weight_map" : JSON.stringify(map).slice(0, 60) });
  }
  const result = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string" || shard === "" || isAbsolute(shard) || normalize(shard).startsWith("..")) {
      throw new WeightsError({ file: indexPath, tensor: name, expected: "a shard file name inside the checkpoint directory", found: JSON.stringify(shard) });
    }
    result.set(name, shard);
  }
  return result;
}

function readSharded(dir: string, indexPath: string, opts: ReadOptions): CheckpointWeights {
  const weightMap = readWeightMap(indexPath);
  const shards = [...new Set(weightMap.values())];
  const out: CheckpointWeights = { tensors: new Map(), dtypes: new Map(), files: [], warnings: [] };
  for (const shard of shards) {
    const path = join(dir, shard);
    if (!existsSync(path)) {
      const first = [...weightMap].find(([, s]) => s === shard)![0];
      throw new WeightsError({ file: path, tensor: first, expected: `shard ${shard} listed in ${SHARD_INDEX}`, found: "no such file" });
    }
    const f = readSafetensors(path, opts);
    out.files.push(path);
    out.warnings.push(...f.warnings);
    for (const [name, t] of f.tensors) {
      const listed = weightMap.get(name);
      if (listed === undefined) {
        out.warnings.push(`${path}: tensor ${JSON.stringify(name)} is not listed in ${SHARD_INDEX}; loaded anyway`);
      } else if (listed !== shard) {
        out.warnings.push(`${path}: tensor ${JSON.stringify(name)} is also stored here but ${SHARD_INDEX} assigns it to ${listed}; ignored`);
        continue;
      }
      if (out.tensors.has(name)) {
        throw new WeightsError({ file: path, tensor: name, expected: "each tensor stored in one shard", found: "a second copy" });
      }
      out.tensors.set(name, t);
      out.dtypes.set(name, f.dtypes.get(name)!);
    }
  }
  for (const [name, shard] of weightMap) {
    if (!out.tensors.has(name)) {
      throw new WeightsError({ file: join(dir, shard), tensor: name, expected: `the tensor listed in ${SHARD_INDEX}`, found: "no tensor of that name in the shard" });
    }
  }
  return out;
}
