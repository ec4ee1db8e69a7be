// What anatomy.ts reads off a model, as types the layer description shares without importing it.
import type { FlowGraph } from "./layer-graph.js";

/** A described feature of a layer: a short name for summaries and a sentence for the report. */
export interface Aspect {
  short: string;
  detail: string;
}

export interface Anatomy {
  /** A module path's key: list indices as `*`, except those of a heterogeneous list's items (path-keys.ts). */
  keyOf: (path: string) => string;
  /** Module path key → its role path (`model.layers.*.self_attn` → `layers.*.attention`). */
  roles: Map<string, string>;
  /** Aspect name → description, in a fixed order. */
  aspects: Map<string, Aspect>;
  /** Path keys of the primitive modules the executed forward calls. */
  called: Set<string>;
  /** The first layer's graph with the role of each node that has one. */
  layer?: { className: string; count: number; graph: FlowGraph; nodeRoles: Map<number, string> };
}
