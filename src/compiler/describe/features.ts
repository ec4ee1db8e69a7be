// The survey's comparison columns, read off the resolved IR and one concrete configuration:
// attention kind with head counts, mask, positions, norm, activation, MoE. Each op and each
// primitive says what it contributes (its `features` hook); this file only collects.
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { walkInstances } from "../elaborate/instance.js";
import { resolvedArch } from "../pipeline.js";
import { opCallsOf } from "../ops/bound-call.js";
import type { Feature, FeatureColumn } from "../ops/feature.js";

export type Features = Record<FeatureColumn, string>;

/** What a column says when nothing fills it. */
const empty: Features = { attention: "none", mask: "none", positions: "none", norm: "none", activation: "none", moe: "dense" };

export function describeModel(m: ElaboratedModel): Features {
  const resolved = resolvedArch(m.config.arch);
  const columns = new Map<FeatureColumn, Set<string>>(Object.keys(empty).map((k) => [k as FeatureColumn, new Set<string>()]));
  const add = (fs: Feature[]) => fs.forEach((f) => columns.get(f.column)!.add(f.label));
  const seen = new Set<string>();
  for (const inst of walkInstances(m.root)) {
    if (inst.primitive) add(inst.primitive.features(inst.args));
    const b = inst.block;
    // Layers built alike say the same thing: read each distinct (block, arguments) once.
    if (!b?.forward || inst.kind !== "block" || seen.has(`${b.name}:${JSON.stringify(inst.args)}`)) continue;
    seen.add(`${b.name}:${JSON.stringify(inst.args)}`);
    for (const call of opCallsOf({ resolved, config: m.config.values, instance: inst })) add(call.def.features(call));
  }
  const out = { ...empty };
  for (const [column, labels] of columns) if (labels.size) out[column] = [...labels].join(", ");
  return out;
}

export type { Instance };
