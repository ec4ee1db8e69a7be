// Rotary position embeddings.
import { Sym } from "../shapes/sym.js";
import { asTensor, scalarSym } from "./argument-checks.js";
import { noStats, type OpDef } from "./op-def.js";
import { ropeOnnx } from "../export/onnx/lowerings/attention.js";

export const rope: OpDef = {
  name: "rope",
  params: ["x"],
  keywords: {
    theta: "scalar", style: "scalar", dim: "scalar", scaling: "scalar", factor: "scalar", original: "scalar", positions: "tensor",
    short_factor: "scalar", long_factor: "scalar", attention_factor: "scalar",
  },
  defaults: { style: "rotate_half", scaling: null, factor: 1 },
  doc: "rope(x: [B, H, T, D], theta, style = \"rotate_half\" | \"interleaved\", dim = D, scaling, factor, original; scaling = \"longrope\": per-frequency divisors short_factor (length <= original) or long_factor, cos/sin times attention_factor)",
  infer: (a, c) => {
    const x = asTensor(a.x, c, "the input of rope", 4);
    const rd = scalarSym(a.dim);
    // The rotation pairs dimensions up.
    if (x && a.dim && rd) c.divides(rd, Sym.const(2), a.dim.expr.span, "the rotary dimension");
    return x;
  },
  runtime: "rope",
  torch: {
    context: true,
    helper: `
def rope_inv_freq(base, dim, device=None):
    """1 / base^(2i/dim) in float32, as Hugging Face computes it."""
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64, device=device).float() / dim))


def ntk_alpha(length, trained):
    """Power-of-two dynamic NTK: alpha = max(2^ceil(log2(L/n) + 1) - 1, 1)."""
    steps = math.log(length / trained) / math.log(2) + 1
    return max(2 ** math.ceil(steps) - 1, 1)


def rope(ctx, x, theta, style="rotate_half", dim=None, scaling=None, factor=1.0, original=None, positions=None,
         short_factor=None, long_factor=None, attention_factor=None):
    """Rotary position embedding of x [B, H, T, D] (the first dim features of each head)."""
    head = x.shape[-1]
    rd = dim or head
    seq_len = ctx.offset + ctx.length
    pos = (ctx.positions(x.device) if positions is None else positions).float()
    scaling = None if scaling in (None, "none", "default") else scaling
    mscale = 1.0
    if scaling in ("longrope", "su"):
        factors = long_factor if seq_len > original else short_factor
        ext = torch.tensor(factors, dtype=torch.float32, device=x.device)
        inv = 1.0 / (ext * theta ** (torch.arange(0, rd, 2, dtype=torch.int64, device=x.device).float() / rd))
        if attention_factor is not None:
            mscale = attention_factor
    elif scaling == "dynamic_alpha":
        alpha = ctx.state.get("rope.dynamic_alpha")
        if ctx.offset == 0 or alpha is None:
            alpha = ntk_alpha(seq_len, original)
            ctx.state["rope.dynamic_alpha"] = alpha
        inv = rope_inv_freq(theta * alpha ** (rd / (rd - 2)), rd, x.device)
    elif scaling == "dynamic" and seq_len > original:
        base = theta * ((factor * seq_len / original) - (factor - 1)) ** (rd / (rd - 2))
        inv = rope_inv_freq(base, rd, x.device)
    elif scaling == "ntk":
        inv = rope_inv_freq(theta * factor ** (rd / (rd - 2)), rd, x.device)
    elif scaling in (None, "linear", "dynamic"):
        inv = rope_inv_freq(theta, rd, x.device)
        if scaling == "linear":
            pos = pos / factor
    else:
        raise ValueError(f"rope: unsupported scaling {scaling!r}")
    angles = pos[..., :, None] * inv  # [T, rd/2] (or [B, T, rd/2] for given positions)
    if pos.dim() == 2:
        angles = angles[:, None]
    cos = (torch.cos(angles) * mscale).to(x.dtype)
    sin = (torch.sin(angles) * mscale).to(x.dtype)
    rot, rest = x[..., :rd], x[..., rd:]
    if style == "interleaved":
        x1, x2 = rot[..., 0::2], rot[..., 1::2]
        out = torch.stack((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1).flatten(-2)
    else:
        x1, x2 = rot[..., : rd // 2], rot[..., rd // 2 :]
        out = torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)
    return torch.cat((out, rest), dim=-1) if rd < head else out
`,
  },
  onnx: ropeOnnx,
  features: (call) => {
    const style = call.value("style");
    const scaling = call.value("scaling");
    return [{ column: "positions", label: `RoPE(${String(style)}${typeof scaling === "string" && scaling !== "none" ? `, ${scaling}` : ""})` }];
  },
  stats: noStats,
  diff: {
    anchor: false,
    role: "positions",
    phrase: (attr, v) => (attr === "theta" ? `rope theta ${v}` : undefined),
    // The rotated width: the whole head (the default D, or D written out: Qwen's 128 of 128) or a part of it (ChatGLM's 64 of 128).
    attrs: (call) => {
      const x = call.type("x");
      const head = x?.kind === "tensor" && x.dims.length > 0 ? call.size(x.dims[x.dims.length - 1]!) : undefined;
      const dim = call.value("dim");
      return { dim: dim === undefined || dim === null || dim === head ? "whole head" : dim };
    },
    normalize: (attrs) => {
      if (attrs.scaling !== "none" && attrs.scaling !== "default") return;
      // Without scaling, the scaling factor, original length and longrope's factors do nothing.
      attrs.scaling = "none";
      for (const k of ["factor", "original", "short_factor", "long_factor", "attention_factor"]) delete attrs[k];
    },
  },
};

