// The built-in leaf modules a block may declare as submodules. Each knows its argument
// list, the parameters it owns (names as in PyTorch state dicts), how PyTorch prints it,
// what its application does to a shape, and what the later stages read off it (feature
// table, stats, diff). Everything else is written in .arch files.
import { formatValue } from "../eval/evaluate.js";
import { pyFloat, pyValue } from "../eval/pyformat.js";
import type { Feature } from "../ops/feature.js";
import type { Value } from "./model.js";

export interface PrimitiveParam {
  name: string;
  type: "int" | "float" | "bool" | "string" | "int[]" | "any";
  default?: Value;
}

export interface WeightSpec {
  name: string; // relative to the module path; "" means the module path itself (Param)
  shape: number[];
}

/** How the primitive transforms its input, for the shape checker. */
export type ApplyRule =
  | { kind: "features"; from: string; to: string } // [..., from] -> [..., to]
  | { kind: "lookup"; dim: string } // ids[...] -> [..., dim]
  | { kind: "same"; lastDim?: string } // shape preserved (last dim checked if given)
  | { kind: "value" } // not callable; the tensor itself (Param)
  | { kind: "none" }; // not callable (print-only)

/** What stats counts for one instance of a primitive. */
export interface PrimitiveStats {
  /** Multiply-adds ×2 that one token costs, from the instance's weights (their full state-dict names). */
  flopsPerToken(weights: readonly WeightSpec[]): number;
  /** Its tensors are "parameters", "embedding" parameters (left out of the non-embedding count), or a "buffer" (stored, but no parameter). */
  weightKind: "parameters" | "embedding" | "buffer";
}

export interface Primitive {
  name: string;
  params: PrimitiveParam[];
  weights(a: Record<string, Value>): WeightSpec[];
  className(a: Record<string, Value>): string;
  repr(a: Record<string, Value>): string;
  apply: ApplyRule;
  /** The feature-table labels an instance contributes (none: `[]`). */
  features(a: Record<string, Value>): Feature[];
  stats: PrimitiveStats;
  /** What an instance is for diff, without its sizes (sizes are compared as parameter shapes). */
  diffText(a: Record<string, Value>): string;
}

const int = (v: Value | undefined): number => (typeof v === "number" ? v : 0);

/** An argument no module can have (an LSTM of 10^9 layers); the caller reports it at the call. */
export class PrimitiveArgumentError extends Error {}

const MAX_REPEATS = 65536;
/** A count of repeated parts: each becomes weights of its own, so it must be a sane integer. */
const repeats = (v: Value | undefined, what: string): number => {
  const n = int(v);
  if (!Number.isInteger(n) || n < 0 || n > MAX_REPEATS) throw new PrimitiveArgumentError(`${what} must be an integer from 0 to ${MAX_REPEATS}, found ${n}`);
  return n;
};
const bool = (v: Value | undefined): boolean => v === true;

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Diff's spelling of an argument ("none" for a left-out one). */
const show = (v: Value | undefined): string => (v === undefined || v === null ? "none" : formatValue(v));

/** Costs nothing stats counts (elementwise work) and owns ordinary parameters, if any. */
const noFlops: PrimitiveStats = { flopsPerToken: () => 0, weightKind: "parameters" };
/** A layer whose weight matrix every token is multiplied by once. */
const matrixFlops: PrimitiveStats = {
  flopsPerToken: (ws) => {
    const w = ws.find((x) => x.name.endsWith("weight"));
    return w ? 2 * count(w.shape) : 0;
  },
  weightKind: "parameters",
};
/** The arguments that are not sizes, as `Name(k=v, …)`: sizes are compared as parameter shapes. */
const sizelessText = (name: string) => (a: Record<string, Value>): string => {
  const sizeless = Object.entries(a).filter(([, v]) => typeof v !== "number" || !Number.isInteger(v));
  return `${name}(${sizeless.map(([k, v]) => `${k}=${show(v)}`).join(", ")})`;
};

// Default class names PyTorch/transformers print for activation modules.
export const activationClasses: Record<string, string> = {
  silu: "SiLU",
  swish: "SiLU",
  gelu: "GELUActivation",
  gelu_new: "NewGELUActivation",
  gelu_pytorch_tanh: "PytorchGELUTanh",
  gelu_tanh: "PytorchGELUTanh",
  relu: "ReLU",
  relu2: "ReLUSquaredActivation",
  tanh: "Tanh",
  sigmoid: "Sigmoid",
  identity: "Identity",
};
Object.setPrototypeOf(activationClasses, null);

export const primitives: Record<string, Primitive> = {
  Linear: {
    name: "Linear",
    params: [{ name: "in_features", type: "int" }, { name: "out_features", type: "int" }, { name: "bias", type: "bool", default: true }],
    weights: (a) => [
      { name: "weight", shape: [int(a.out_features), int(a.in_features)] },
      ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_features)] }] : []),
    ],
    className: () => "Linear",
    repr: (a) => `in_features=${int(a.in_features)}, out_features=${int(a.out_features)}, bias=${pyValue(bool(a.bias))}`,
    apply: { kind: "features", from: "in_features", to: "out_features" },
    features: () => [],
    stats: matrixFlops,
    diffText: (a) => `Linear(${a.bias ? "bias" : "no bias"})`,
  },
  // GPT-2's Conv1D: a linear layer whose weight is stored [in, out].
  Conv1D: {
    name: "Conv1D",
    params: [{ name: "in_features", type: "int" }, { name: "out_features", type: "int" }, { name: "bias", type: "bool", default: true }],
    weights: (a) => [
      { name: "weight", shape: [int(a.in_features), int(a.out_features)] },
      ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_features)] }] : []),
    ],
    className: () => "Conv1D",
    repr: () => "",
    apply: { kind: "features", from: "in_features", to: "out_features" },
    features: () => [],
    stats: matrixFlops,
    diffText: (a) => `Conv1D(${a.bias ? "bias" : "no bias"})`,
  },
  Embedding: {
    name: "Embedding",
    params: [{ name: "num_embeddings", type: "int" }, { name: "embedding_dim", type: "int" }, { name: "padding_idx", type: "any", default: null }],
    weights: (a) => [{ name: "weight", shape: [int(a.num_embeddings), int(a.embedding_dim)] }],
    className: () => "Embedding",
    repr: (a) => `${int(a.num_embeddings)}, ${int(a.embedding_dim)}${a.padding_idx !== null && a.padding_idx !== undefined ? `, padding_idx=${pyValue(a.padding_idx)}` : ""}`,
    apply: { kind: "lookup", dim: "embedding_dim" },
    features: () => [],
    // A lookup, not a product: no FLOPs; its table is not counted among non-embedding parameters.
    stats: { flopsPerToken: () => 0, weightKind: "embedding" },
    diffText: () => "Embedding",
  },
  LayerNorm: {
    name: "LayerNorm",
    params: [
      { name: "dim", type: "int" },
      { name: "eps", type: "float", default: 1e-5 },
      { name: "affine", type: "bool", default: true },
      { name: "bias", type: "bool", default: true },
    ],
    weights: (a) =>
      bool(a.affine)
        ? [{ name: "weight", shape: [int(a.dim)] }, ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.dim)] }] : [])]
        : [],
    className: () => "LayerNorm",
    repr: (a) => `(${int(a.dim)},), eps=${pyFloat(int(a.eps))}, elementwise_affine=${pyValue(bool(a.affine))}`,
    apply: { kind: "same", lastDim: "dim" },
    features: (a) => [{ column: "norm", label: a.affine === false ? "LayerNorm(no affine)" : a.bias === false ? "LayerNorm(no bias)" : "LayerNorm" }],
    stats: noFlops,
    diffText: (a) => `LayerNorm(eps ${show(a.eps)}${a.affine === false ? ", no affine" : a.bias === false ? ", no bias" : ""})`,
  },
  RMSNorm: {
    name: "RMSNorm",
    params: [
      { name: "dim", type: "int" },
      { name: "eps", type: "float", default: 1e-6 },
      { name: "offset", type: "float", default: 0.0 },
      { name: "affine", type: "bool", default: true },
    ],
    weights: (a) => (bool(a.affine) ? [{ name: "weight", shape: [int(a.dim)] }] : []),
    className: () => "RMSNorm",
    repr: (a) => `(${int(a.dim)},), eps=${pyFloat(int(a.eps))}, elementwise_affine=${pyValue(bool(a.affine))}`,
    apply: { kind: "same", lastDim: "dim" },
    features: (a) => [{ column: "norm", label: Number(a.offset) === 1 ? "RMSNorm(1+w)" : "RMSNorm" }],
    stats: noFlops,
    diffText: (a) => `RMSNorm(eps ${show(a.eps)}${Number(a.offset) ? `, 1 + w (offset ${show(a.offset)})` : ""}${a.affine === false ? ", no weight" : ""})`,
  },
  GroupNorm: {
    name: "GroupNorm",
    params: [{ name: "groups", type: "int" }, { name: "dim", type: "int" }, { name: "eps", type: "float", default: 1e-5 }],
    weights: (a) => [{ name: "weight", shape: [int(a.dim)] }, { name: "bias", shape: [int(a.dim)] }],
    className: () => "GroupNorm",
    repr: (a) => `${int(a.groups)}, ${int(a.dim)}, eps=${pyFloat(int(a.eps))}, affine=True`,
    apply: { kind: "same", lastDim: "dim" },
    features: () => [],
    stats: noFlops,
    diffText: sizelessText("GroupNorm"),
  },
  Activation: {
    name: "Activation",
    params: [{ name: "kind", type: "string" }],
    weights: () => [],
    className: (a) => activationClasses[String(a.kind)] ?? String(a.kind),
    repr: () => "",
    apply: { kind: "same" },
    features: (a) => [{ column: "activation", label: String(a.kind) }],
    stats: noFlops,
    diffText: (a) => `Activation(${show(a.kind)})`,
  },
  Dropout: {
    name: "Dropout",
    params: [{ name: "p", type: "float", default: 0.1 }],
    weights: () => [],
    className: () => "Dropout",
    repr: (a) => `p=${pyFloat(int(a.p))}, inplace=False`,
    apply: { kind: "same" },
    features: () => [],
    stats: noFlops,
    diffText: () => "Dropout",
  },
  // A bare parameter tensor owned by the block (RWKV's time_decay, T5's relative bias table…).
  Param: {
    name: "Param",
    params: [{ name: "shape", type: "int[]" }],
    weights: (a) => [{ name: "", shape: Array.isArray(a.shape) ? a.shape.map((v) => int(v)) : [] }],
    className: () => "Parameter",
    repr: () => "",
    apply: { kind: "value" },
    features: () => [],
    stats: noFlops,
    diffText: sizelessText("Param"),
  },
  // A persistent buffer stored in checkpoints but recomputed by us (rotary inv_freq): accepted on load, not used.
  Buffer: {
    name: "Buffer",
    params: [{ name: "shape", type: "int[]" }],
    weights: (a) => [{ name: "", shape: Array.isArray(a.shape) ? a.shape.map((v) => int(v)) : [] }],
    className: () => "Buffer",
    repr: () => "",
    apply: { kind: "value" },
    features: () => [],
    stats: { flopsPerToken: () => 0, weightKind: "buffer" },
    diffText: sizelessText("Buffer"),
  },
  // torch.nn.LSTM, applied batch-first ([B, T, input] -> [B, T, hidden]) whatever `batch_first`
  // prints; its (h, c) state carries over to the next call when decoding.
  LSTM: {
    name: "LSTM",
    params: [
      { name: "input_size", type: "int" },
      { name: "hidden_size", type: "int" },
      { name: "num_layers", type: "int", default: 1 },
      { name: "bias", type: "bool", default: true },
      { name: "batch_first", type: "bool", default: false },
      { name: "dropout", type: "float", default: 0.0 },
    ],
    weights: (a) =>
      Array.from({ length: repeats(a.num_layers, "num_layers") }, (_, k) => [
        { name: `weight_ih_l${k}`, shape: [4 * int(a.hidden_size), k === 0 ? int(a.input_size) : int(a.hidden_size)] },
        { name: `weight_hh_l${k}`, shape: [4 * int(a.hidden_size), int(a.hidden_size)] },
        ...(bool(a.bias) ? [{ name: `bias_ih_l${k}`, shape: [4 * int(a.hidden_size)] }, { name: `bias_hh_l${k}`, shape: [4 * int(a.hidden_size)] }] : []),
      ]).flat(),
    className: () => "LSTM",
    repr: (a) =>
      `${int(a.input_size)}, ${int(a.hidden_size)}` +
      (int(a.num_layers) !== 1 ? `, num_layers=${int(a.num_layers)}` : "") +
      (bool(a.bias) ? "" : ", bias=False") +
      (bool(a.batch_first) ? ", batch_first=True" : "") +
      (int(a.dropout) !== 0 ? `, dropout=${pyFloat(int(a.dropout))}` : ""),
    apply: { kind: "features", from: "input_size", to: "hidden_size" },
    features: (a) => [{ column: "attention", label: `LSTM recurrence (${formatValue(a.num_layers ?? 1)}×${formatValue(a.hidden_size ?? null)})` }],
    // Every token is multiplied by each of its weight matrices (input and hidden, every layer).
    stats: { flopsPerToken: (ws) => ws.reduce((f, w) => f + (w.shape.length === 2 ? 2 * count(w.shape) : 0), 0), weightKind: "parameters" },
    diffText: sizelessText("LSTM"),
  },
  Conv2d: {
    name: "Conv2d",
    params: [
      { name: "in_channels", type: "int" },
      { name: "out_channels", type: "int" },
      { name: "kernel", type: "int[]" },
      { name: "stride", type: "int[]", default: [1, 1] },
      { name: "bias", type: "bool", default: true },
      { name: "padding", type: "int[]", default: [0, 0] },
    ],
    weights: (a) => {
      const k = Array.isArray(a.kernel) ? a.kernel.map((v) => int(v)) : [1, 1];
      return [
        { name: "weight", shape: [int(a.out_channels), int(a.in_channels), ...k] },
        ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_channels)] }] : []),
      ];
    },
    className: () => "Conv2d",
    repr: (a) => {
      const k = Array.isArray(a.kernel) ? a.kernel : [1, 1];
      const s = Array.isArray(a.stride) ? a.stride : [1, 1];
      // nn.Conv2d.extra_repr names the padding only when it is not all zeros.
      const p = Array.isArray(a.padding) && a.padding.some((v) => v !== 0) ? `, padding=${pyValue(a.padding)}` : "";
      return `${int(a.in_channels)}, ${int(a.out_channels)}, kernel_size=${pyValue(k)}, stride=${pyValue(s)}${p}${bool(a.bias) ? "" : ", bias=False"}`;
    },
    apply: { kind: "features", from: "in_channels", to: "out_channels" },
    features: () => [],
    stats: matrixFlops,
    diffText: sizelessText("Conv2d"),
  },
};
// Looked up by names from .arch files: `toString` or `constructor` must find nothing.
Object.setPrototypeOf(primitives, null);

export function isPrimitive(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(primitives, name);
}
