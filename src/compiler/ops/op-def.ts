// What an op of the .arch language is, in one object: the call it accepts, what it does to
// shapes, the runtime function generated code calls, and what each later stage (the feature
// table, stats, diff) reads off a call of it. Each op's object lives in its family's file in
// this directory; catalogue.ts collects them. Stages ask these hooks and never match op names.
import type * as A from "../ast/nodes.js";
import type { CallExpr } from "../ast/walk.js";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Instance } from "../elaborate/instance-tree.js";
import type { Value } from "../ir/model.js";
import type { Sym } from "../shapes/sym.js";
import type { Type } from "../check/types.js";
import type { Feature } from "./feature.js";
import type { TorchOpLowering } from "../export/torch/lowering.js";
import type { OpLowering } from "../export/onnx/lowering.js";
import type { Ratio } from "../stats/exact.js";

export type { Feature, FeatureColumn } from "./feature.js";

/** One argument of a call being checked: its inferred type and its expression. */
export interface OpArg {
  type: Type;
  expr: A.Expr;
}

/** What a shape rule may do besides computing a type: report, and prove sizes equal or divisible. */
export interface OpContext {
  /** Records an error; returns undefined so that rules can `return c.fail(...)`. */
  fail(code: DiagnosticCode, span: A.Span, message: string, extras?: { expected?: string; found?: string; hint?: string }): undefined;
  /** Proves a == b (symbolically, else on every preset); reports `code` when it does not hold. */
  sameDim(a: Sym, b: Sym, span: A.Span, code: DiagnosticCode, what: string): boolean;
  /** Proves that n divides a. */
  divides(a: Sym, n: Sym, span: A.Span, what: string): boolean;
  callSpan: A.Span;
}

export type ArgKind = "tensor" | "scalar" | "module" | "any";

/**
 * One call of an op inside one elaborated instance, as the hooks read it. Arguments are
 * addressed by parameter name whether the model wrote them positionally or as keywords.
 */
export interface OpCall {
  readonly def: OpDef;
  readonly expr: CallExpr;
  /** The expression written for parameter `name`, if any. */
  arg(name: string): A.Expr | undefined;
  /** Its value in this instance; the definition's default when left out or not a config value here (else undefined). */
  value(name: string): Value | undefined;
  /** The checker's type of the argument written for `name`. */
  type(name: string): Type | undefined;
  /** A symbolic size evaluated in this instance (undefined when it depends on the input). */
  size(s: Sym): number | undefined;
  /** `size(s)` as an exact integer, for counts (undefined also when it is not a safe integer). */
  count(s: Sym): bigint | undefined;
  /** The child instance (a submodule or module list) that the argument for `name` names. */
  submodule(name: string): Instance | undefined;
}

/** Where a token sits when its FLOPs are counted: attention reaches `context` keys (itself included). */
export interface FlopsAt {
  context: number;
}

/** What `archc stats` counts for a call (only what the op costs beyond its submodules' weights). */
export interface OpStats {
  /**
   * Float operations one token costs in this call beyond its submodules' weights: products
   * with weight tensors (`linear`), attention's scores and weighted values, a recurrence's
   * state update. Multiply-adds count 2; exponentials and divisions of a softmax are not counted.
   * Exact (bigint): a 2^40-wide product is past what a float counts.
   */
  flopsPerToken?(call: OpCall, at: FlopsAt): bigint;
  /** float32 bytes this call keeps per token between decoding steps (cached keys and values), exactly. */
  kvBytesPerToken?(call: OpCall): bigint;
  /**
   * A submodule of which each token runs only a share: a list's items each run for top_k / E
   * of the tokens (moe); a fused-experts block, computing one expert per call, runs top_k times.
   */
  sparseSubmodules?(call: OpCall): { list: Instance; share: Ratio } | undefined;
}

/** How `archc diff` describes a call. */
export interface OpDiff {
  /** The op says what a block is for (attention, expert routing, a recurrence): two blocks under one parent that both call it play the same role. */
  anchor: boolean;
  /** Attributes read off the call besides its keyword arguments (attention's head counts). */
  attrs?(call: OpCall): Record<string, Value | undefined>;
  /**
   * The sizes a call gives a meaning, as symbolic dimensions of its arguments: attention's
   * query heads, key/value heads and head size. A hyperparameter that is exactly one of them
   * is that quantity, whatever the model calls it (Falcon's `kv`, Llama's `kv_heads`).
   */
  meanings?(call: OpCall): Record<string, Sym | undefined>;
  /**
   * A block computing every expert from fused tensors (DBRX's ExpertGLU, whose `w1` stacks each
   * expert's rows), with the meaning in `meanings` that counts the experts: the diff reads each
   * expert's sizes off those tensors' dimensions.
   */
  fusedExperts?(call: OpCall): { block: Instance; count: string } | undefined;
  /** Removes attributes that mean nothing given the others (the factor of an unscaled rope). */
  normalize?(attrs: Record<string, string>): void;
  /**
   * What the op does in a layer, for reading a layer's anatomy off its dataflow: `mixing`
   * moves information between tokens (attention, a recurrence, a causal convolution),
   * `routing` sends tokens to experts, `positions` encodes positions, `norm` normalises,
   * `activation` is a nonlinearity. Layout and arithmetic ops have none.
   */
  role?: OpRole;
  /**
   * Plain words for an attribute's value, for the diff's summary ("raw top-k weights");
   * undefined when not worth a clause. `changed` holds this side's other attributes of the
   * call that differ from the other model's.
   */
  phrase?(attr: string, value: string, changed: Readonly<Record<string, string>>): string | undefined;
}

export type OpRole = "mixing" | "routing" | "positions" | "norm" | "activation" | "projection";

export interface OpDef {
  /** The name a forward body calls it by. */
  name: string;
  /** Positional parameters, in order; a `?` suffix marks optional ones. */
  params: string[];
  /** Keyword-only parameters with their kind. */
  keywords?: Record<string, ArgKind>;
  /** What a left-out argument means (the runtime's default): writing it out changes nothing. */
  defaults?: Record<string, Value>;
  /** Extra positional tensors (concat). */
  variadic?: boolean;
  /** Carries state between decoding steps (KV cache, recurrent state): the runtime takes a site key after the context. */
  stateful?: boolean;
  /** Positional arguments are passed unevaluated (as thunks): the op decides whether to compute them. */
  lazy?: boolean;
  /** One-line reference (docs/language.md is generated from it). */
  doc: string;
  /** The shape rule: the result type, or undefined after reporting through `c`. */
  infer(args: Record<string, OpArg | undefined>, c: OpContext, rest: OpArg[]): Type | undefined;
  /**
   * The function of `rt.lang` (src/runtime/lang) that generated code calls, as
   * `(ctx, site if stateful, ...positional, ...rest if variadic, { keywords } if any)`.
   */
  runtime: string;
  /** The feature-table labels a call contributes (none: `noFeatures`). */
  features(call: OpCall): Feature[];
  /** What stats counts for a call (nothing: `noStats`). */
  stats: OpStats;
  /** How diff describes and aligns it. */
  diff: OpDiff;
  // Lowerings to other targets (PyTorch, ONNX export) are optional fields here, each op's
  // written in its own definition object.
  /** What `archc export --torch` writes for a call (src/compiler/export/torch/lowering.ts). */
  torch?: TorchOpLowering;
  /** Its ONNX lowering (src/compiler/export/onnx): absent, exporting a model that calls it fails naming the call. */
  onnx?: OpLowering;
}

/** For ops that fill no column of the feature table. */
export const noFeatures = (): Feature[] => [];
/** For ops whose cost stats does not count (elementwise and layout work, no cache). */
export const noStats: OpStats = Object.freeze({});
/** For ops that diff compares by their keyword arguments only and that say nothing about a block's role. */
export const plainDiff: OpDiff = Object.freeze({ anchor: false });

/** A parameter name without its optional marker. */
export const paramName = (p: string): string => p.replace(/\?$/, "");
