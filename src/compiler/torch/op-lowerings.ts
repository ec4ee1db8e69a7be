// PyTorch lowerings of the ops (src/compiler/check/ops*.ts), one per op. Temporary home:
// they move beside each op's definition once the op catalogue is one file per op.
import type { TorchOpLowering } from "./lowering.js";

const unary = (f: (x: string) => string): TorchOpLowering => ({ inline: (a) => f(a.x!) });
const opt = (v: string | undefined, dflt: string) => v ?? dflt;

export const opLowerings: Record<string, TorchOpLowering> = {
  silu: unary((x) => `F.silu(${x})`),
  gelu: unary((x) => `F.gelu(${x})`),
  gelu_tanh: unary((x) => `F.gelu(${x}, approximate="tanh")`),
  relu: unary((x) => `F.relu(${x})`),
  relu2: unary((x) => `torch.square(F.relu(${x}))`),
  tanh: unary((x) => `torch.tanh(${x})`),
  sigmoid: unary((x) => `torch.sigmoid(${x})`),
  exp: unary((x) => `torch.exp(${x})`),
  sqrt: unary((x) => `torch.sqrt(${x})`),
  square: unary((x) => `torch.square(${x})`),
  neg: unary((x) => `torch.neg(${x})`),
  act: {
    helper: `
def act(x, kind):
    """The activation a config string names (Hugging Face's hidden_act)."""
    return layers.activation(kind)(x)
`,
  },
  softcap: { inline: (a) => `${a.cap} * torch.tanh(${a.x} / ${a.cap})` },
  softmax: { inline: (a) => `torch.softmax(${a.x}, dim=${opt(a.axis, "-1")})` },
  log_softmax: { inline: (a) => `torch.log_softmax(${a.x}, dim=${opt(a.axis, "-1")})` },
  clamp: { inline: (a) => `torch.clamp(${a.x}, ${a.lo}, ${a.hi})` },
  layer_norm: { inline: (a) => `F.layer_norm(${a.x}, ${a.x}.shape[-1:], eps=${opt(a.eps, "1e-5")})` },
  rms_norm: {
    helper: `
def rms_norm(x, eps=1e-6):
    """x / sqrt(mean(x^2) + eps) over the last axis, in float32 at least, without a weight."""
    h = layers.upcast(x)
    return (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
`,
  },
  l2_normalize: { inline: (a) => `F.normalize(${a.x}, dim=-1)` },
  split_heads: { inline: (a) => `${a.x}.unflatten(-1, (${a.heads}, -1)).transpose(-3, -2)` },
  merge_heads: { inline: (a) => `${a.x}.transpose(-3, -2).flatten(-2)` },
  transpose: { inline: (a) => `${a.x}.transpose(${a.a}, ${a.b})` },
  reshape: { inline: (a) => `${a.x}.reshape(${a.shape})` },
  split: { inline: (a) => `torch.split(${a.x}, ${a.sizes}, dim=${opt(a.axis, "-1")})` },
  chunk: { inline: (a) => `torch.chunk(${a.x}, ${a.n}, dim=${opt(a.axis, "-1")})` },
  concat: { inline: (a, rest) => `torch.cat([${[a.x!, ...rest].join(", ")}], dim=${opt(a.axis, "-1")})` },
  unflatten: { inline: (a) => `${a.x}.unflatten(${a.axis}, ${a.sizes})` },
  flatten: { inline: (a) => `${a.x}.flatten(${a.start}, ${opt(a.end, "-1")})` },
  select: { inline: (a) => `${a.x}.select(${a.axis}, ${a.index})` },
  flatten_tokens: { inline: (a) => `${a.x}.reshape(-1, ${a.x}.shape[-1])` },
  zeros_like: { inline: (a) => `torch.zeros_like(${a.x})` },
  linear: { inline: (a) => `F.linear(${a.x}, ${a.weight}${a.bias ? `, ${a.bias}` : ""})` },
  position_ids: {
    context: true,
    helper: `
def position_ids(ctx, ids):
    """Absolute positions [B, T] of the tokens of this call (continuing after the cache)."""
    return ctx.positions(ids.device).unsqueeze(0).expand(ids.shape[0], -1)
`,
  },
  rope: {
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
  attention: {
    helper: `
def alibi_slopes(heads):
    """ALiBi head slopes: 2^(-8i/n) for the closest power of two n, then the odd ones of 2n."""
    p = 2 ** int(math.floor(math.log2(heads)))
    slopes = [2 ** (-8 * (i + 1) / p) for i in range(p)]
    slopes += [2 ** (-8 * (2 * i + 1) / (2 * p)) for i in range(heads - p)]
    return torch.tensor(slopes, dtype=torch.float32)


def attention(ctx, site, q, k, v, causal=False, window=None, scale=None, softcap=None, bias=None, alibi=False,
              alibi_dtype=None, scale_bias=False, padding=True, cache=True, logn=None, segments=None):
    """Scaled dot-product attention of q [B, H, T, D] over k, v [B, KV, S, D] (after the cached ones)."""
    key_segments = segments
    if ctx.use_cache and cache:
        past = ctx.kv.get(site)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        ctx.kv[site] = (k, v)
        if segments is not None:
            old = ctx.state.get((site, "segments"))
            key_segments = segments if old is None else torch.cat((old, segments), dim=1)
            ctx.state[(site, "segments")] = key_segments
    b, h, t, d = q.shape
    s = k.shape[2]
    if k.shape[1] != h:  # grouped-query attention: each kv head serves h / kv query heads
        k = k.repeat_interleave(h // k.shape[1], dim=1)
        v = v.repeat_interleave(h // v.shape[1], dim=1)
    offset = s - t  # absolute position of query 0
    if logn is not None and offset + t > logn:
        p = torch.arange(offset + 1, offset + t + 1, dtype=torch.float64, device=q.device)
        factor = torch.where(p > logn, torch.log(p) / math.log(logn), torch.ones_like(p))
        q = q * factor.to(q.dtype)[:, None]
    if alibi:
        slopes = alibi_slopes(h).to(q.device)
        keys = torch.arange(s, device=q.device, dtype=torch.float32)
        if alibi_dtype == "bfloat16":
            al = slopes.bfloat16()[:, None] * keys.bfloat16()[None, :]
        else:
            al = slopes[:, None] * keys[None, :]
        al = al.to(q.dtype)[None, :, None, :]
        bias = al if bias is None else bias + al
    if scale is None:
        scale = 1.0 / math.sqrt(d)
    scores = q @ k.transpose(-1, -2)
    if scale_bias and bias is not None:
        scores = (scores + bias) * scale
        bias = None
    else:
        scores = scores * scale
    if softcap is not None:
        scores = softcap * torch.tanh(scores / softcap)
    if bias is not None:
        scores = scores + bias
    i = torch.arange(t, device=q.device)[:, None] + offset
    j = torch.arange(s, device=q.device)[None, :]
    allowed = torch.ones(t, s, dtype=torch.bool, device=q.device)
    if causal or window is not None:
        allowed = allowed & (j <= i)
    if window is not None:
        allowed = allowed & (j > i - window)
    allowed = allowed[None, None]
    if padding and ctx.attention_mask is not None:
        allowed = allowed & (ctx.attention_mask[:, None, None, -s:] != 0)
    if segments is not None:
        allowed = allowed & (key_segments[:, None, None, :] == segments[:, None, :, None])
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(v.dtype)
    return probs @ v
`,
  },
  moe: {
    helper: `
def moe(x, logits, experts, top_k, order="softmax_topk", normalize=True):
    """Sparse mixture of experts: each token's top_k experts, weighted by their gates.
    experts(e, rows) runs expert e on the rows routed to it."""
    shape = x.shape
    rows = x.reshape(-1, shape[-1])
    router = logits.reshape(-1, logits.shape[-1])
    if order == "softmax_topk":
        gates, chosen = torch.topk(torch.softmax(router, dim=-1, dtype=torch.float32), top_k, dim=-1)
    else:
        top, chosen = torch.topk(router, top_k, dim=-1)
        gates = torch.softmax(top, dim=-1, dtype=torch.float32)
    if normalize:
        gates = gates / gates.sum(dim=-1, keepdim=True)
    gates = gates.to(x.dtype)
    out = None
    for e in range(router.shape[-1]):
        token, slot = torch.where(chosen == e)
        if token.numel() == 0:
            continue
        y = experts(e, rows[token]) * gates[token, slot, None]
        out = torch.zeros(rows.shape[0], y.shape[-1], dtype=y.dtype, device=y.device) if out is None else out
        out = out.index_add(0, token, y)
    if out is None:
        out = torch.zeros_like(rows)
    return out.reshape(*shape[:-1], out.shape[-1])
`,
  },
  causal_conv: {
    helper: `
def causal_conv(ctx, site, x, conv):
    """conv (a Conv2d with kernel (K, 1)) over the time axis of x [B, T, Cin], zero-padded on the left."""
    k = conv.kernel_size[0]
    t = x.shape[1]
    past = ctx.state.get(site) if ctx.use_cache else None
    if past is None:
        past = x.new_zeros(x.shape[0], k - 1, x.shape[2])
    full = torch.cat((past, x), dim=1)
    if ctx.use_cache:
        ctx.state[site] = full[:, full.shape[1] - (k - 1):]
    weight = conv.weight.flatten(2)  # [Cout, Cin, K]
    y = F.conv1d(full.transpose(1, 2), weight, conv.bias)
    return y.transpose(1, 2)[:, -t:] if t else y.transpose(1, 2)
`,
  },
  segment_ids: {
    helper: `
def segment_ids(ctx, site, ids, boundary):
    """How many boundary tokens (end of document) precede each position, cached ones included."""
    seen = ctx.state.get(site) if ctx.use_cache else None
    if seen is None:
        seen = torch.zeros(ids.shape[0], 1, dtype=torch.long, device=ids.device)
    if boundary is None:
        hits = torch.zeros_like(ids)
    else:
        hits = (ids == boundary).long()
    before = torch.cumsum(hits, dim=1) - hits
    out = seen + before
    if ctx.use_cache:
        ctx.state[site] = seen + hits.sum(dim=1, keepdim=True)
    return out
`,
  },
  once: {
    helper: `
def once(ctx, site, compute):
    """compute(), evaluated on the first call of a generation and remembered for the later steps."""
    if not ctx.use_cache:
        return compute()
    if site not in ctx.state:
        ctx.state[site] = compute()
    return ctx.state[site]
`,
  },
  memory: {
    helper: `
def memory(ctx, site, x, length, zeros=False):
    """The last tokens (up to length) this call site saw in earlier calls, then x [B, T, d]."""
    past = ctx.state.get(site) if ctx.use_cache else None
    if past is None and zeros and length > 0:
        past = x.new_zeros(x.shape[0], length, x.shape[2])
    full = x if past is None else torch.cat((past, x), dim=1)
    if ctx.use_cache:
        ctx.state[site] = full[:, max(0, full.shape[1] - length):]
    return full
`,
  },
  token_shift: {
    helper: `
def token_shift(ctx, site, x):
    """x one token later (out[t] = x[t-1]); zeros before the first token, the previous call's last when decoding."""
    prev = ctx.state.get(site) if ctx.use_cache else None
    if prev is None:
        prev = x.new_zeros(x.shape[0], 1, x.shape[2])
    if ctx.use_cache and x.shape[1] > 0:
        ctx.state[site] = x[:, -1:]
    return torch.cat((prev, x[:, :-1]), dim=1)
`,
  },
  wkv4: {
    helper: `
def wkv4(ctx, site, k, v, decay, first):
    """RWKV-4 linear attention as a loop over time, with the numerically stable (num, den, max) state."""
    dtype = k.dtype
    k, v = layers.upcast(k), layers.upcast(v)
    w = -torch.exp(layers.upcast(decay).reshape(-1))
    u = layers.upcast(first).reshape(-1)
    state = ctx.state.get(site) if ctx.use_cache else None
    if state is None:
        zeros = k.new_zeros(k.shape[0], k.shape[2])
        state = (zeros, zeros, zeros - 1e38)
    num, den, top = state
    out = []
    for t in range(k.shape[1]):
        kt, vt = k[:, t], v[:, t]
        m = torch.maximum(top, kt + u)
        e1, e2 = torch.exp(top - m), torch.exp(kt + u - m)
        out.append((e1 * num + e2 * vt) / (e1 * den + e2))
        m = torch.maximum(top + w, kt)
        e1, e2 = torch.exp(top + w - m), torch.exp(kt - m)
        num, den, top = e1 * num + e2 * vt, e1 * den + e2, m
    if ctx.use_cache:
        ctx.state[site] = (num, den, top)
    y = torch.stack(out, dim=1) if out else k
    return y.to(dtype)
`,
  },
  wkv_heads: {
    helper: `
def wkv_heads(ctx, site, r, k, v, decay, bonus, heads):
    """RWKV-5/6 linear attention with a [D, D] state per head, as a loop over time."""
    b, t, c = r.shape
    d = c // heads
    split = lambda x: x.reshape(*x.shape[:-1], heads, d)
    r, k, v = split(r), split(k), split(v)
    decay = split(decay)
    u = bonus.reshape(heads, d)[..., None]
    s = ctx.state.get(site) if ctx.use_cache else None
    if s is None:
        s = r.new_zeros(b, heads, d, d)
    out = []
    for i in range(t):
        kv = k[:, i, :, :, None] * v[:, i, :, None, :]
        out.append((r[:, i, :, None, :] @ (s + u * kv)).squeeze(-2))
        w = decay[:, i] if decay.dim() == 4 else decay
        s = w[..., None] * s + kv
    if ctx.use_cache:
        ctx.state[site] = s
    return torch.stack(out, dim=1).reshape(b, t, c) if out else r.reshape(b, t, c)
`,
  },
  relative_position_bias: {
    context: true,
    helper: `
def relative_bucket(relative, buckets, bidirectional, max_distance):
    """T5's bucket of each key-minus-query distance: exact for short ones, logarithmic up to max_distance."""
    bucket = torch.zeros_like(relative)
    if bidirectional:
        buckets //= 2
        bucket = bucket + (relative > 0).long() * buckets
        distance = relative.abs()
    else:
        distance = -torch.clamp(relative, max=0)
    exact = buckets // 2
    log_ratio = torch.log(distance.float().clamp(min=1) / exact) / math.log(max_distance / exact)
    large = exact + (log_ratio * (buckets - exact)).long()
    large = torch.clamp(large, max=buckets - 1)
    return bucket + torch.where(distance < exact, distance, large)


def relative_position_bias(ctx, table, x, bidirectional=False, max_distance=128, cache=True):
    """[1, H, T, S]: the table row of each (query, key) distance bucket; queries after the cached tokens."""
    t = x.shape[1]
    offset = ctx.offset if cache and ctx.use_cache else 0
    i = torch.arange(offset, offset + t, device=table.device)[:, None]
    j = torch.arange(offset + t, device=table.device)[None, :]
    buckets = relative_bucket(j - i, table.shape[0], bidirectional, max_distance)
    return table[buckets].permute(2, 0, 1)[None]
`,
  },
  relative_sinusoid: {
    helper: `
def relative_sinusoid(x, dim, clamp=0):
    """[S, dim]: the sinusoid embedding [sin(r f), cos(r f)] of each distance r = 0..S-1."""
    r = torch.arange(x.shape[1], device=x.device, dtype=torch.float32)
    if clamp and clamp > 0:
        r = torch.clamp(r, max=clamp)
    angles = r[:, None] * rope_inv_freq(10000.0, dim, x.device)[None, :]
    return torch.cat((torch.sin(angles), torch.cos(angles)), dim=-1).to(x.dtype)
`,
  },
  relative_scores: {
    helper: `
def relative_scores(q, r):
    """[B, H, T, S]: q_i . r[S - T + i - j] per head (0 for keys after the query)."""
    b, h, t, d = q.shape
    s = r.shape[0]
    rh = r.reshape(s, h, d).permute(1, 2, 0)  # [H, D, S]
    by_distance = q @ rh  # [B, H, T, S], column = distance
    i = torch.arange(t, device=q.device)[:, None]
    j = torch.arange(s, device=q.device)[None, :]
    dist = s - t + i - j
    picked = torch.gather(by_distance, 3, dist.clamp(min=0).expand(b, h, t, s))
    return picked.masked_fill(dist < 0, 0.0)
`,
  },
  adaptive_embedding: {
    helper: `
def adaptive_embedding(ids, tables, projs, cutoffs, scale=1.0):
    """Token t of cluster i (c_i <= t < c_(i+1)) is tables(i, t - c_i) @ projs[i]^T, times scale."""
    bounds = [0] + list(cutoffs)
    out = None
    for i, proj in enumerate(projs):
        inside = ids >= bounds[i]
        if i + 1 < len(bounds):
            inside = inside & (ids < bounds[i + 1])
        local = torch.where(inside, ids - bounds[i], torch.zeros_like(ids))
        e = F.linear(tables(i, local), proj) * inside[..., None]
        out = e if out is None else out + e
    return out * scale
`,
  },
  adaptive_log_softmax: {
    helper: `
def adaptive_log_softmax(h, layers_, projs, cluster_weight, cluster_bias, cutoffs, vocab):
    """Log-probabilities over vocab: the head scores the frequent words and one entry per tail
    cluster; a tail word adds its cluster's head log-probability to its own log-softmax."""
    x0 = h @ projs[0]
    head = torch.log_softmax(torch.cat((layers_(0, x0), F.linear(x0, cluster_weight, cluster_bias)), dim=-1), dim=-1)
    shortlist = cutoffs[0]
    parts = [head[..., :shortlist]]
    for i in range(1, len(projs)):
        tail = torch.log_softmax(layers_(i, h @ projs[i]), dim=-1)
        parts.append(head[..., shortlist + i - 1 : shortlist + i] + tail)
    return torch.cat(parts, dim=-1)
`,
  },
};
