// One node of an elaborated module tree (elaborate/instance.ts builds it): its own module, apart
// from the builder, so that the op definitions whose hooks read instances need not import the
// elaboration (which reads the checker's bindings, which reads the op catalogue).
import type * as A from "../ast/nodes.js";
import type { BlockIR, Value } from "../ir/model.js";
import type { Primitive } from "../ir/primitives.js";

export interface WeightInstance {
  name: string; // full state-dict name
  shape: number[];
}

export interface Instance {
  name: string;
  path: string;
  className: string;
  repr: string;
  kind: "block" | "primitive" | "list";
  block?: BlockIR;
  primitive?: Primitive;
  args: Record<string, Value>;
  children: Instance[];
  weights: WeightInstance[];
  span?: A.Span;
}
