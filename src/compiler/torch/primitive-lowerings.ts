// PyTorch lowerings of the primitives (src/compiler/ir/primitives.ts), one per primitive.
// Temporary home: they move beside each primitive's definition with the op catalogue.
import type { TorchPrimitiveLowering } from "./lowering.js";

export const primitiveLowerings: Record<string, TorchPrimitiveLowering> = {
  Linear: { cls: "nn.Linear", args: (a) => `${a.in_features}, ${a.out_features}, bias=${a.bias}` },
  Conv1D: {
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
  Embedding: { cls: "nn.Embedding", args: (a) => `${a.num_embeddings}, ${a.embedding_dim}, padding_idx=${a.padding_idx}` },
  LayerNorm: {
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
  RMSNorm: {
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
  GroupNorm: {
    cls: "nn.GroupNorm",
    args: (a) => `${a.groups}, ${a.dim}, eps=${a.eps}`,
    // Over the last axis of [.., C], not torch's channel axis 1.
    apply: (m, x) => `F.group_norm(${x}.reshape(-1, ${x}.shape[-1]), ${m}.num_groups, ${m}.weight, ${m}.bias, ${m}.eps).reshape(${x}.shape)`,
  },
  Activation: {
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
  Dropout: { cls: "nn.Dropout", args: (a) => `p=${a.p}` },
  Param: { cls: "nn.Parameter", args: (a) => `${a.shape}`, tensor: "parameter" },
  Buffer: { cls: "torch.zeros", args: (a) => `${a.shape}`, tensor: "buffer" },
  LSTM: {
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
  Conv2d: {
    cls: "nn.Conv2d",
    args: (a) => `${a.in_channels}, ${a.out_channels}, kernel_size=tuple(${a.kernel}), stride=tuple(${a.stride}), padding=tuple(${a.padding}), bias=${a.bias}`,
  },
};
