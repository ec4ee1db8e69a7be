// What an op's or a primitive's ONNX lowering sees and returns. A lowering is a function
// beside the op's definition; it emits nodes through the graph builder and says what shape
// its result has (a dimension not known before run time is read back from the result).
import type * as A from "../../ast/nodes.js";
import type { Value } from "../../ir/model.js";
import type { GraphBuilder } from "./graph.js";
import type { ElemType } from "./proto.js";

/** A dimension not known when exporting: batch, sequence length, … computed in the graph. */
export class DynDim {
  private tensor: string | undefined;
  constructor(
    /** Emits the int64 [1] tensor holding the size (called at most once). */
    private readonly make: (g: GraphBuilder) => string,
    readonly label: string,
  ) {}
  value(g: GraphBuilder): string {
    return (this.tensor ??= this.make(g));
  }
}

export type Dim = number | DynDim;

export interface TensorVal {
  kind: "tensor";
  name: string;
  elem: ElemType;
  dims: Dim[];
}

/**
 * An elaborated submodule as lowerings hand it around (an elaborate/instance.ts `Instance`,
 * described here by the fields lowerings read, so that the primitives, which carry their
 * lowerings, do not import the elaborator's types: that would be an import cycle).
 */
export interface ModuleValue {
  name: string;
  path: string;
  kind: "block" | "primitive" | "list";
  args: Record<string, Value>;
  children: ModuleValue[];
  weights: { name: string; shape: number[] }[];
}

/** One expert of a module list passed to an op (moe): applies item `i` to `x`. */
export type ModuleFn = (i: number, x: TensorVal) => TensorVal;

/** Anything a forward expression evaluates to while lowering. */
/** A submodule (`self.q_proj`, `layers[i]`) is its elaborated instance. */
export type Lowered = TensorVal | DynDim | Value | undefined | Lowered[] | ModuleValue | { kind: "modules"; count?: number; apply: ModuleFn } | Thunk;

/** A lazy op's argument, computed when its lowering asks for it. */
export type Thunk = () => Lowered;

export const isTensor = (v: unknown): v is TensorVal => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "tensor" && !Array.isArray(v);

/** The cache inputs/outputs of one stateful site: past values in, present values out. */
export interface StatePair {
  past: TensorVal;
  present(value: TensorVal): void;
}

/** The model-level inputs a lowering may read and the state it may carry. */
export interface GraphIO {
  /** input_ids-style positions: the `position_ids` input [batch, sequence]. */
  positionIds(): TensorVal;
  /** The `attention_mask` input [batch, past + sequence] (1 = real token), when the graph has one. */
  attentionMask(): TensorVal | undefined;
  /** KV cache of an attention site: `past_key_values.{i}.key|value` → `present.{i}.key|value`. */
  kvCache(site: string, k: TensorVal, v: TensorVal): { k: TensorVal; v: TensorVal };
  /** An uncached attention's keys and values: an encoder-decoder caches them when they depend only on the encoder's output. */
  uncachedKv?(site: string, k: TensorVal, v: TensorVal): void;
  /**
   * Recurrent state of a site (`past_state.{i}.NAME` → `present_state.{i}.NAME`), dims as the
   * state has them (the batch dim a run-time one); `init` is what a new sequence starts from.
   */
  recurrentState(site: string, name: string, dims: Dim[], init?: number): StatePair;
  /** Tokens already in the KV cache (0 in a graph without one). */
  pastLength(): Dim;
}

export interface LoweringContext {
  g: GraphBuilder;
  io: GraphIO;
  /** The call being lowered, for diagnostics. */
  span: A.Span;
  /** The stateful site key (module path # call index). */
  site: string;
  /** A tensor value with known and run-time dims (a dim left null is read back from the tensor). */
  tensor(name: string, elem: ElemType, dims: (Dim | null)[]): TensorVal;
  /**
   * At the root of an encoder-decoder export: evaluates `value` (a `once` argument, the
   * encoder's output) in the encoder graph and returns it as the decoder graph's input.
   */
  split?: (value: () => Lowered) => Lowered;
  /** A weight of a submodule passed to the op (causal_conv's Conv2d): `weight`, `bias`. */
  moduleWeight(m: ModuleValue, name: string): TensorVal | undefined;
  /** Reports an argument this lowering cannot express in ONNX; never returns. */
  unsupported(what: string): never;
}

/** An op's ONNX lowering: positional and keyword arguments by name, extra positionals in `rest`. */
export type OpLowering = (c: LoweringContext, args: Record<string, Lowered>, rest: Lowered[]) => Lowered;

/** What a primitive's lowering reads of its instance. */
export interface PrimitiveInstance {
  path: string;
  args: Record<string, Value>;
  /** The initializer of one of its weights (`weight`, `bias`, `weight_ih_l0`; "" for Param). */
  weight(name: string): TensorVal;
  hasWeight(name: string): boolean;
}

export type PrimitiveLowering = (c: LoweringContext, m: PrimitiveInstance, x: TensorVal) => TensorVal;
