// The built-in leaf modules a block may declare as submodules. Each knows its argument
// list, the parameters it owns (names as in PyTorch state dicts), how PyTorch prints it,
// what its application does to a shape, and what the later stages read off it (feature
// table, stats, diff). Everything else is written in .arch files.
import { formatValue } from "../eval/evaluate.js";
import { pyFloat, pyValue } from "../eval/pyformat.js";
import type { Feature } from "../ops/feature.js";
import type { Value } from "./model.js";
import type { TorchPrimitiveLowering } from "../export/torch/lowering.js";
import type { PrimitiveLowering } from "../export/onnx/lowering.js";
import { activationOnnx, bufferOnnx, groupNormOnnx, conv1DOnnx, dropoutOnnx, embeddingOnnx, layerNormOnnx, linearOnnx, paramOnnx, rMSNormOnnx } from "../export/onnx/lowerings/primitives.js";
import { elementCount } from "../stats/exact.js";
import { lstmOnnx } from "../export/onnx/lowerings/recurrent.js";
import { conv1dOnnx, conv2dOnnx } from "../export/onnx/lowerings/segments.js";

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
  /** Multiply-adds ×2 that one token costs, from the instance's weights (their full state-dict names); exact. */
  flopsPerToken(weights: readonly WeightSpec[]): bigint;
  /** Its tensors are "parameters", "embedding" parameters (left out of the non-embedding count), or a "buffer" (stored, but no parameter). */
  weightKind: "parameters" | "embedding" | "buffer";
}

/**
 * What an instance does where it sits in a dataflow, for reading a layer's anatomy: a
 * `projection` maps features to features (a matrix every token passes through), an
 * `embedding` looks rows up by id, a `norm` normalises, an `activation` is a nonlinearity, a
 * `recurrence` carries state along the sequence, a `convolution` mixes neighbouring
 * positions, `dropout` does nothing at inference and a `tensor` is a bare stored value.
 */
export type PrimitiveRole = "projection" | "embedding" | "norm" | "activation" | "recurrence" | "convolution" | "dropout" | "tensor";

export interface PrimitiveDiff {
  role: PrimitiveRole;
  /** Its kind in the words a layer's aspects use ("RMSNorm (1 + w)", "LayerNorm without bias", "GELU (tanh)"). */
  kind(a: Record<string, Value>): string;
  /** What an instance sets besides its kind and sizes, which the layer's aspects leave out ("eps 1e-05"); "" when nothing. */
  settings(a: Record<string, Value>): string;
  /** A projection's parameter that sizes what it reads (the diff takes an MLP's width from its down projection's). */
  input?: string;
}

export interface Primitive {
  name: string;
  params: PrimitiveParam[];
  weights(a: Record<string, Value>): WeightSpec[];
  /**
   * Each weight's dimensions as the parameters that size them (Linear's `weight`: out_features ×
   * in_features), so the checker can give `lm_head.weight` a symbolic shape. Absent: the checker
   * uses the sizes `weights` computes from constant arguments.
   */
  weightDims?: Record<string, readonly string[]>;
  className(a: Record<string, Value>): string;
  repr(a: Record<string, Value>): string;
  apply: ApplyRule;
  /** The TypeScript type generated code gives an instance, when not the runtime's module type `rt.nn.<Name>M`. */
  tsType?: string;
  /** The feature-table labels an instance contributes (none: `[]`). */
  features(a: Record<string, Value>): Feature[];
  stats: PrimitiveStats;
  /** What an instance is for diff, without its sizes (sizes are compared as parameter shapes). */
  diffText(a: Record<string, Value>): string;
  /** How `archc diff` reads an instance in a layer's dataflow. */
  diff: PrimitiveDiff;
  /** What `archc export --torch` builds for it (src/compiler/export/torch/lowering.ts). */
  torch?: TorchPrimitiveLowering;
  /** Its ONNX lowering (src/compiler/export/onnx): absent, exporting a model that calls it fails naming the submodule. */
  onnx?: PrimitiveLowering;
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

/** Diff's spelling of an argument ("none" for a left-out one). */
const show = (v: Value | undefined): string => (v === undefined || v === null ? "none" : formatValue(v));

/** Costs nothing stats counts (elementwise work) and owns ordinary parameters, if any. */
const noFlops: PrimitiveStats = { flopsPerToken: () => 0n, weightKind: "parameters" };
/** A layer whose weight matrix every token is multiplied by once. */
const matrixFlops: PrimitiveStats = {
  flopsPerToken: (ws) => {
    const w = ws.find((x) => x.name.endsWith("weight"));
    return w ? 2n * elementCount(w.shape) : 0n;
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
  linear: "LinearActivation",
  softplus: "Softplus",
  quick_gelu: "QuickGELUActivation",
  gelu_fast: "FastGELUActivation",
  relu6: "ReLU6",
  mish: "MishActivation",
  leaky_relu: "LeakyReLU",
};
Object.setPrototypeOf(activationClasses, null);

// Activation kinds (HF `hidden_act` values and activation op names) in the words a diff uses.
const activationWordsByKind: Record<string, string> = {
  silu: "SiLU",
  swish: "SiLU",
  gelu: "GELU",
  gelu_new: "GELU (tanh)",
  gelu_pytorch_tanh: "GELU (tanh)",
  gelu_tanh: "GELU (tanh)",
  relu: "ReLU",
  relu2: "squared ReLU",
  sigmoid: "sigmoid",
  tanh: "tanh",
};
Object.setPrototypeOf(activationWordsByKind, null);

/** An activation kind in words ("GELU (tanh)"), the kind itself when it has none. */
export const activationWords = (kind: string): string => activationWordsByKind[kind] ?? kind;

/** The diff hook of a primitive that has no kind beyond its name and sets nothing the layer's aspects leave out. */
const plainDiff = (role: PrimitiveRole, name: string): PrimitiveDiff => ({ role, kind: () => name, settings: () => "" });

export const primitives: Record<string, Primitive> = {
  Linear: {
    name: "Linear",
    weightDims: { weight: ["out_features", "in_features"], bias: ["out_features"] },
    onnx: linearOnnx,
    params: [{ name: "in_features", type: "int" }, { name: "out_features", type: "int" }, { name: "bias", type: "bool", default: true }],
    weights: (a) => [
      { name: "weight", shape: [int(a.out_features), int(a.in_features)] },
      ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_features)] }] : []),
    ],
    className: () => "Linear",
    repr: (a) => `in_features=${int(a.in_features)}, out_features=${int(a.out_features)}, bias=${pyValue(bool(a.bias))}`,
    apply: { kind: "features", from: "in_features", to: "out_features" },
    torch: { cls: "nn.Linear", args: (a) => `${a.in_features}, ${a.out_features}, bias=${a.bias}` },
    features: () => [],
    stats: matrixFlops,
    diffText: (a) => `Linear(${a.bias ? "bias" : "no bias"})`,
    diff: { ...plainDiff("projection", "Linear"), input: "in_features" },
  },
  // GPT-2's Conv1D: a linear layer whose weight is stored [in, out].
  Conv1D: {
    name: "Conv1D",
    weightDims: { weight: ["in_features", "out_features"], bias: ["out_features"] },
    onnx: conv1DOnnx,
    params: [{ name: "in_features", type: "int" }, { name: "out_features", type: "int" }, { name: "bias", type: "bool", default: true }],
    weights: (a) => [
      { name: "weight", shape: [int(a.in_features), int(a.out_features)] },
      ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_features)] }] : []),
    ],
    className: () => "Conv1D",
    repr: () => "",
    apply: { kind: "features", from: "in_features", to: "out_features" },
    torch: {
      cls: "layers.Conv1D",
      args: (a) => `${a.in_features}, ${a.out_features}, bias=${a.bias}`,
      helper: `
class Conv1D(nn.Module):
    """GPT-2's linear layer with its weight stored [in, out]: y = x W + b."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, out_features) * 0.02)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y
`,
    },
    features: () => [],
    stats: matrixFlops,
    diffText: (a) => `Conv1D(${a.bias ? "bias" : "no bias"})`,
    diff: { ...plainDiff("projection", "Conv1D"), input: "in_features" },
  },
  Embedding: {
    name: "Embedding",
    weightDims: { weight: ["num_embeddings", "embedding_dim"] },
    onnx: embeddingOnnx,
    params: [{ name: "num_embeddings", type: "int" }, { name: "embedding_dim", type: "int" }, { name: "padding_idx", type: "any", default: null }],
    weights: (a) => [{ name: "weight", shape: [int(a.num_embeddings), int(a.embedding_dim)] }],
    className: () => "Embedding",
    repr: (a) => `${int(a.num_embeddings)}, ${int(a.embedding_dim)}${a.padding_idx !== null && a.padding_idx !== undefined ? `, padding_idx=${pyValue(a.padding_idx)}` : ""}`,
    apply: { kind: "lookup", dim: "embedding_dim" },
    torch: { cls: "nn.Embedding", args: (a) => `${a.num_embeddings}, ${a.embedding_dim}, padding_idx=${a.padding_idx}` },
    features: () => [],
    // A lookup, not a product: no FLOPs; its table is not counted among non-embedding parameters.
    stats: { flopsPerToken: () => 0n, weightKind: "embedding" },
    diffText: () => "Embedding",
    diff: plainDiff("embedding", "Embedding"),
  },
  LayerNorm: {
    name: "LayerNorm",
    weightDims: { weight: ["dim"], bias: ["dim"] },
    onnx: layerNormOnnx,
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
    torch: {
      cls: "layers.LayerNorm",
      args: (a) => `${a.dim}, eps=${a.eps}, affine=${a.affine}, bias=${a.bias}`,
      helper: `
class LayerNorm(nn.LayerNorm):
    """nn.LayerNorm, optionally without its bias (torch 1.13 has no bias=False)."""

    def __init__(self, dim, eps=1e-5, affine=True, bias=True):
        super().__init__(dim, eps=eps, elementwise_affine=affine)
        if affine and not bias:
            self.bias = None
`,
    },
    features: (a) => [{ column: "norm", label: a.affine === false ? "LayerNorm(no affine)" : a.bias === false ? "LayerNorm(no bias)" : "LayerNorm" }],
    stats: noFlops,
    diffText: (a) => `LayerNorm(eps ${show(a.eps)}${a.affine === false ? ", no affine" : a.bias === false ? ", no bias" : ""})`,
    diff: {
      role: "norm",
      kind: (a) => (a.affine === false ? "LayerNorm without affine" : a.bias === false ? "LayerNorm without bias" : "LayerNorm"),
      settings: (a) => `eps ${show(a.eps)}`,
    },
  },
  RMSNorm: {
    name: "RMSNorm",
    weightDims: { weight: ["dim"] },
    onnx: rMSNormOnnx,
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
    torch: {
      cls: "layers.RMSNorm",
      args: (a) => `${a.dim}, eps=${a.eps}, offset=${a.offset}, affine=${a.affine}`,
      helper: `
class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * (offset + weight), computed in float32 at least."""

    def __init__(self, dim, eps=1e-6, offset=0.0, affine=True):
        super().__init__()
        self.normalized_shape = (dim,)
        self.eps = eps
        self.offset = offset
        self.elementwise_affine = affine
        self.weight = nn.Parameter(torch.full((dim,), 1.0 - offset)) if affine else None

    def forward(self, x):
        h = upcast(x)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        if self.weight is None:
            return h.to(x.dtype)
        return (h * (self.offset + upcast(self.weight))).to(x.dtype)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
`,
    },
    features: (a) => [{ column: "norm", label: Number(a.offset) === 1 ? "RMSNorm(1+w)" : "RMSNorm" }],
    stats: noFlops,
    diffText: (a) => `RMSNorm(eps ${show(a.eps)}${Number(a.offset) ? `, 1 + w (offset ${show(a.offset)})` : ""}${a.affine === false ? ", no weight" : ""})`,
    diff: {
      role: "norm",
      kind: (a) => (Number(a.offset) ? "RMSNorm (1 + w)" : a.affine === false ? "RMSNorm without weight" : "RMSNorm"),
      settings: (a) => `eps ${show(a.eps)}`,
    },
  },
  GroupNorm: {
    name: "GroupNorm",
    onnx: groupNormOnnx,
    params: [{ name: "groups", type: "int" }, { name: "dim", type: "int" }, { name: "eps", type: "float", default: 1e-5 }],
    weights: (a) => [{ name: "weight", shape: [int(a.dim)] }, { name: "bias", shape: [int(a.dim)] }],
    className: () => "GroupNorm",
    repr: (a) => `${int(a.groups)}, ${int(a.dim)}, eps=${pyFloat(int(a.eps))}, affine=True`,
    apply: { kind: "same", lastDim: "dim" },
    torch: {
      cls: "nn.GroupNorm",
      args: (a) => `${a.groups}, ${a.dim}, eps=${a.eps}`,
      // Over the last axis of [.., C], not torch's channel axis 1.
      apply: (m, x) => `F.group_norm(${x}.reshape(-1, ${x}.shape[-1]), ${m}.num_groups, ${m}.weight, ${m}.bias, ${m}.eps).reshape(${x}.shape)`,
    },
    features: () => [],
    stats: noFlops,
    diffText: sizelessText("GroupNorm"),
    diff: { role: "norm", kind: () => "GroupNorm", settings: (a) => `eps ${show(a.eps)}` },
  },
  Activation: {
    name: "Activation",
    onnx: activationOnnx,
    params: [{ name: "kind", type: "string" }],
    weights: () => [],
    className: (a) => activationClasses[String(a.kind)] ?? String(a.kind),
    repr: () => "",
    apply: { kind: "same" },
    torch: {
      cls: "layers.Activation",
      args: (a) => `${a.kind}`,
      helper: `
ACTIVATIONS = {
    "silu": F.silu,
    "swish": F.silu,
    "gelu": F.gelu,
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "relu2": lambda x: torch.square(F.relu(x)),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
}

# The class transformers prints for each activation.
ACTIVATION_CLASSES = {
    "silu": "SiLU", "swish": "SiLU", "gelu": "GELUActivation", "gelu_new": "NewGELUActivation",
    "gelu_pytorch_tanh": "PytorchGELUTanh", "gelu_tanh": "PytorchGELUTanh", "relu": "ReLU",
    "relu2": "ReLUSquaredActivation", "tanh": "Tanh", "sigmoid": "Sigmoid", "identity": "Identity",
}


def activation(kind):
    if kind not in ACTIVATIONS:
        raise ValueError(f"unknown activation {kind!r}; expected one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[kind]


class Activation(nn.Module):
    """The activation a config string names (Hugging Face's hidden_act)."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.fn = activation(kind)

    def forward(self, x):
        return self.fn(x)

    def _get_name(self):
        # A subclass is a renamed activation (SiLUActivation): it prints as itself.
        return ACTIVATION_CLASSES.get(self.kind, self.kind) if type(self) is Activation else type(self).__name__
`,
    },
    features: (a) => [{ column: "activation", label: String(a.kind) }],
    stats: noFlops,
    diffText: (a) => `Activation(${show(a.kind)})`,
    diff: { role: "activation", kind: (a) => activationWords(String(a.kind)), settings: () => "" },
  },
  Dropout: {
    name: "Dropout",
    onnx: dropoutOnnx,
    params: [{ name: "p", type: "float", default: 0.1 }],
    weights: () => [],
    className: () => "Dropout",
    repr: (a) => `p=${pyFloat(int(a.p))}, inplace=False`,
    apply: { kind: "same" },
    torch: { cls: "nn.Dropout", args: (a) => `p=${a.p}` },
    features: () => [],
    stats: noFlops,
    diffText: () => "Dropout",
    diff: plainDiff("dropout", "Dropout"),
  },
  // A bare parameter tensor owned by the block (RWKV's time_decay, T5's relative bias table…).
  Param: {
    name: "Param",
    onnx: paramOnnx,
    params: [{ name: "shape", type: "int[]" }],
    weights: (a) => [{ name: "", shape: Array.isArray(a.shape) ? a.shape.map((v) => int(v)) : [] }],
    className: () => "Parameter",
    repr: () => "",
    apply: { kind: "value" },
    torch: { cls: "nn.Parameter", args: (a) => `${a.shape}`, tensor: "parameter" },
    tsType: "rt.Tensor",
    features: () => [],
    stats: noFlops,
    diffText: sizelessText("Param"),
    diff: plainDiff("tensor", "Param"),
  },
  // A persistent buffer stored in checkpoints but recomputed by us (rotary inv_freq): accepted on load, not used.
  Buffer: {
    name: "Buffer",
    onnx: bufferOnnx,
    params: [{ name: "shape", type: "int[]" }],
    weights: (a) => [{ name: "", shape: Array.isArray(a.shape) ? a.shape.map((v) => int(v)) : [] }],
    className: () => "Buffer",
    repr: () => "",
    apply: { kind: "value" },
    torch: { cls: "torch.zeros", args: (a) => `${a.shape}`, tensor: "buffer" },
    tsType: "undefined",
    features: () => [],
    stats: { flopsPerToken: () => 0n, weightKind: "buffer" },
    diffText: sizelessText("Buffer"),
    diff: plainDiff("tensor", "Buffer"),
  },
  // torch.nn.LSTM, applied batch-first ([B, T, input] -> [B, T, hidden]) whatever `batch_first`
  // prints; its (h, c) state carries over to the next call when decoding.
  LSTM: {
    name: "LSTM",
    onnx: lstmOnnx,
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
    torch: {
      cls: "nn.LSTM",
      args: (a) => `${a.input_size}, ${a.hidden_size}, num_layers=${a.num_layers}, bias=${a.bias}, batch_first=${a.batch_first}, dropout=${a.dropout}`,
      apply: (m, x) => `layers.lstm(ctx, ${m}, ${x})`,
      helper: `
def lstm(ctx, module, x):
    """An nn.LSTM applied batch-first to x [B, T, in]; its (h, c) state carries over when decoding."""
    state = ctx.state.get(module) if ctx.use_cache else None
    seq = x if module.batch_first else x.transpose(0, 1)
    out, state = module(seq, state)
    if ctx.use_cache:
        ctx.state[module] = state
    return out if module.batch_first else out.transpose(0, 1)
`,
    },
    features: (a) => [{ column: "attention", label: `LSTM recurrence (${formatValue(a.num_layers ?? 1)}×${formatValue(a.hidden_size ?? null)})` }],
    // Every token is multiplied by each of its weight matrices (input and hidden, every layer).
    stats: { flopsPerToken: (ws) => ws.reduce((f, w) => f + (w.shape.length === 2 ? 2n * elementCount(w.shape) : 0n), 0n), weightKind: "parameters" },
    diffText: sizelessText("LSTM"),
    diff: plainDiff("recurrence", "LSTM"),
  },
  // torch.nn.Conv1d over the time axis, applied through `causal_conv` ([B, T, C] channels-last).
  // groups = channels is a depthwise convolution (Mamba's short convolution): weight [C, 1, K].
  Conv1d: {
    name: "Conv1d",
    onnx: conv1dOnnx,
    params: [
      { name: "in_channels", type: "int" },
      { name: "out_channels", type: "int" },
      { name: "kernel", type: "int" },
      { name: "stride", type: "int", default: 1 },
      { name: "padding", type: "int", default: 0 },
      { name: "groups", type: "int", default: 1 },
      { name: "bias", type: "bool", default: true },
    ],
    weights: (a) => {
      const groups = Math.max(int(a.groups), 1);
      return [
        { name: "weight", shape: [int(a.out_channels), int(a.in_channels) / groups, int(a.kernel)] },
        ...(bool(a.bias) ? [{ name: "bias", shape: [int(a.out_channels)] }] : []),
      ];
    },
    className: () => "Conv1d",
    // nn.Conv1d.extra_repr: one-element tuples, padding and groups only when not the default.
    repr: (a) =>
      `${int(a.in_channels)}, ${int(a.out_channels)}, kernel_size=(${int(a.kernel)},), stride=(${int(a.stride)},)` +
      (int(a.padding) !== 0 ? `, padding=(${int(a.padding)},)` : "") +
      (int(a.groups) !== 1 ? `, groups=${int(a.groups)}` : "") +
      (bool(a.bias) ? "" : ", bias=False"),
    apply: { kind: "none" },
    // Built as nn.Conv1d (its weight [Cout, Cin / groups, K], the checkpoint's); causal_conv applies it.
    torch: {
      cls: "nn.Conv1d",
      args: (a) => `${a.in_channels}, ${a.out_channels}, kernel_size=${a.kernel}, stride=${a.stride}, padding=${a.padding}, groups=${a.groups}, bias=${a.bias}`,
    },
    features: () => [],
    // Depthwise: each of the C channels has a K-tap kernel, C·K multiply-adds per token.
    stats: matrixFlops,
    // Whether it is depthwise is structure; the sizes are compared as parameter shapes.
    diffText: (a) => `Conv1d(depthwise=${pyValue(int(a.groups) > 1 && int(a.groups) === int(a.in_channels))}, bias=${pyValue(bool(a.bias))})`,
    diff: plainDiff("convolution", "Conv1d"),
  },
  Conv2d: {
    name: "Conv2d",
    onnx: conv2dOnnx,
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
    torch: {
      cls: "nn.Conv2d",
      args: (a) => `${a.in_channels}, ${a.out_channels}, kernel_size=tuple(${a.kernel}), stride=tuple(${a.stride}), padding=tuple(${a.padding}), bias=${a.bias}`,
    },
    features: () => [],
    stats: matrixFlops,
    diffText: sizelessText("Conv2d"),
    diff: plainDiff("projection", "Conv2d"),
  },
};
// Looked up by names from .arch files: `toString` or `constructor` must find nothing.
Object.setPrototypeOf(primitives, null);

/** The TypeScript type of a primitive's instances in generated code. */
export function primitiveTsType(p: Primitive): string {
  return p.tsType ?? `rt.nn.${p.name}M`;
}

export function isPrimitive(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(primitives, name);
}
