"""imfDiT and the iMF training loss in PyTorch 1.13, written from docs/IMF_SPEC.md.

A reference twin of the Java engine (src/main/java/imfengine/nn/ImfDiT.java,
imf/ImfObjective.java): same module names, so `IMF(cfg).state_dict()` keys equal the Java
parameter names (`net.` prefix included), and the same tensor layouts:

  Linear weight            [out, in]            y = x·Wᵀ + b
  patch conv weight        [D, C, p, p]         used as a Linear on patches in (p q c) order
  images                   NHWC                 [B, H, W, C]
  patchify                 n (h p) (w q) c -> n (h w) (p q c)
  unpatchify               n (h w) (p q c) -> n (h p) (w q) c

Everything is real arithmetic (torch 1.13 forward-mode AD drops tangents through
view(complex64), see BUILD_NOTES.md), so `torch.autograd.forward_ad` carries du through the
whole network, and the dtype follows the parameters (float64 for fixtures, float32 for benches).

Run with Debian's /usr/bin/python3 (python3-torch 1.13.1); the pyenv python3 has no torch. It also
runs on PyTorch 2.x and on a CUDA device (every tensor it makes follows the inputs' device), which is how
bench/pytorch/imf_step_bench.py --device cuda uses it.
"""
import math
from dataclasses import dataclass

import torch
import torch.autograd.forward_ad as fwAD
from torch import nn

CLASS_TOKENS, OMEGA_TOKENS, INTERVAL_TOKENS, TIME_TOKENS = 8, 4, 2, 4
FREQUENCY_DIM = 256
RMS_EPS = 1e-6
ROPE_BASE = 10000.0
BLOCK_INIT = 0.32


@dataclass(frozen=True)
class Config:
    """The fields of Java's ModelConfig record, in its order."""
    image_size: int
    channels: int
    classes: int
    hidden: int
    depth: int
    heads: int
    aux_depth: int
    patch: int

    @property
    def mlp_hidden(self): return int(self.hidden * 8.0 / 3.0)

    @property
    def head_dim(self): return self.hidden // self.heads

    @property
    def grid(self): return self.image_size // self.patch

    @property
    def prefix_tokens(self): return CLASS_TOKENS + OMEGA_TOKENS + 2 * INTERVAL_TOKENS + TIME_TOKENS

    @property
    def seq_len(self): return self.prefix_tokens + self.grid * self.grid

    @property
    def patch_dim(self): return self.patch * self.patch * self.channels

    def as_list(self):
        return [self.image_size, self.channels, self.classes, self.hidden, self.depth, self.heads, self.aux_depth, self.patch]


PRESETS = {
    "tiny": Config(8, 1, 3, 16, 3, 2, 1, 4),     # = Java's TinyModels.TINY
    "xs": Config(28, 1, 10, 96, 6, 3, 2, 4),
    "s": Config(28, 1, 10, 192, 8, 3, 2, 2),
    "B/2": Config(32, 4, 1000, 768, 12, 12, 8, 2),   # = Java's ModelConfig B/2 (32×32×4 latents)
}


# ---------------------------------------------------------------------------------------------
# modules (names follow the authors' torch port and the Java parameter names)

def _normal_(w, std):
    with torch.no_grad():
        w.normal_(0.0, std)


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * self.weight


def silu(x):
    return x * torch.sigmoid(x)


class TimestepEmbedder(nn.Module):
    """scalar [B] -> [cos(s·f) | sin(s·f)] (256) -> Linear(256, D) -> SiLU -> Linear(D, D)."""

    def __init__(self, dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(FREQUENCY_DIM, dim), nn.SiLU(), nn.Linear(dim, dim))
        for lin, fan_in in ((self.mlp[0], FREQUENCY_DIM), (self.mlp[2], dim)):
            _normal_(lin.weight, 1 / math.sqrt(fan_in))
            nn.init.zeros_(lin.bias)

    @staticmethod
    def features(s):
        half = FREQUENCY_DIM // 2
        k = torch.arange(half, dtype=s.dtype, device=s.device)
        freqs = torch.exp(-math.log(10000.0) * k / half)
        args = s[:, None] * freqs[None, :]  # s unscaled
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    def forward(self, s):
        h = self.mlp[0](self.features(s))
        return self.mlp[2](silu(h))


class LabelEmbedder(nn.Module):
    """K + 1 rows; row K is the null class."""

    def __init__(self, classes, dim):
        super().__init__()
        self.embedding_table = nn.Embedding(classes + 1, dim)
        _normal_(self.embedding_table.weight, 1 / math.sqrt(dim))

    def forward(self, y):
        return self.embedding_table(y)


class PatchEmbed(nn.Module):
    """p×p stride-p conv (weight [D, C, p, p]) written as a Linear on (p q c) patches."""

    def __init__(self, patch, channels, dim):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(channels, dim, patch, stride=patch)
        nn.init.xavier_uniform_(self.proj.weight.view(dim, -1))
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):  # x [B, H, W, C]
        w = self.proj.weight  # [D, C, p, p] -> [D, p, q, C] -> [D, (p q c)]
        w = w.permute(0, 2, 3, 1).reshape(w.shape[0], -1)
        return torch.nn.functional.linear(patchify(x, self.patch), w, self.proj.bias)


def patchify(x, p):
    n, hh, ww, c = x.shape
    h, w = hh // p, ww // p
    return x.reshape(n, h, p, w, p, c).permute(0, 1, 3, 2, 4, 5).reshape(n, h * w, p * p * c)


def unpatchify(t, p, size, c):
    n = t.shape[0]
    g = size // p
    return t.reshape(n, g, g, p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(n, size, size, c)


def rope_table(seq_len, head_dim, dtype):
    """cos, sin [L, Dh/2] of θ[l, i] = l·base^(−2i/Dh), computed in float64."""
    i = torch.arange(head_dim // 2, dtype=torch.float64)
    freq = ROPE_BASE ** (-2.0 * i / head_dim)
    theta = torch.arange(seq_len, dtype=torch.float64)[:, None] * freq[None, :]
    return torch.cos(theta).to(dtype), torch.sin(theta).to(dtype)


def apply_rope(x, cos, sin):
    """x [B, L, H, Dh]: pairs (2i, 2i+1) rotate as complex numbers, in real arithmetic."""
    b, l, h, dh = x.shape
    xp = x.reshape(b, l, h, dh // 2, 2)
    re, im = xp[..., 0], xp[..., 1]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack([re * c - im * s, re * s + im * c], dim=-1).reshape(b, l, h, dh)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)
        self.q_norm = RMSNorm(self.head_dim)
        self.k_norm = RMSNorm(self.head_dim)
        for lin in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            _normal_(lin.weight, BLOCK_INIT / math.sqrt(dim))

    def forward(self, x, cos, sin):
        b, l, d = x.shape
        q = apply_rope(self.q_norm(self.q_proj(x).reshape(b, l, self.heads, self.head_dim)), cos, sin)
        k = apply_rope(self.k_norm(self.k_proj(x).reshape(b, l, self.heads, self.head_dim)), cos, sin)
        v = self.v_proj(x).reshape(b, l, self.heads, self.head_dim)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, L, Dh]
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, l, d)
        return self.out_proj(o)


class SwiGLU(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        _normal_(self.w1.weight, BLOCK_INIT / math.sqrt(dim))
        _normal_(self.w3.weight, BLOCK_INIT / math.sqrt(dim))
        _normal_(self.w2.weight, BLOCK_INIT / math.sqrt(hidden))

    def forward(self, x):
        return self.w2(silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    """x += Attn(RMSNorm x)·g_attn; x += SwiGLU(RMSNorm x)·g_mlp; gates zero-initialised."""

    def __init__(self, dim, heads, mlp_hidden):
        super().__init__()
        self.norm1 = RMSNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = RMSNorm(dim)
        self.mlp = SwiGLU(dim, mlp_hidden)
        self.attn_scale = nn.Parameter(torch.zeros(dim))
        self.mlp_scale = nn.Parameter(torch.zeros(dim))

    def forward(self, x, cos, sin):
        x = x + self.attn(self.norm1(x), cos, sin) * self.attn_scale
        return x + self.mlp(self.norm2(x)) * self.mlp_scale


class FinalLayer(nn.Module):
    def __init__(self, dim, patch_dim):
        super().__init__()
        self.norm = RMSNorm(dim)
        self.linear = nn.Linear(dim, patch_dim)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x):
        return self.linear(self.norm(x))


class ImfDiT(nn.Module):
    """Sequence [8 class | 4 ω | 2 t_min | 2 t_max | 4 h | patches]; shared blocks, u-head, v-head."""

    def __init__(self, cfg: Config, with_v_head=True):
        super().__init__()
        self.cfg = cfg
        d = cfg.hidden
        self.x_embedder = PatchEmbed(cfg.patch, cfg.channels, d)
        self.h_embedder = TimestepEmbedder(d)
        self.omega_embedder = TimestepEmbedder(d)
        self.cfg_t_start_embedder = TimestepEmbedder(d)
        self.cfg_t_end_embedder = TimestepEmbedder(d)
        self.y_embedder = LabelEmbedder(cfg.classes, d)
        tok = lambda n: nn.Parameter(torch.randn(n, d) / math.sqrt(d))
        self.time_tokens = tok(TIME_TOKENS)
        self.class_tokens = tok(CLASS_TOKENS)
        self.omega_tokens = tok(OMEGA_TOKENS)
        self.t_min_tokens = tok(INTERVAL_TOKENS)
        self.t_max_tokens = tok(INTERVAL_TOKENS)
        blocks = lambda n: nn.ModuleList([Block(d, cfg.heads, cfg.mlp_hidden) for _ in range(n)])
        self.shared_blocks = blocks(cfg.depth - cfg.aux_depth)
        self.u_heads = blocks(cfg.aux_depth)
        self.v_heads = blocks(cfg.aux_depth) if with_v_head else None
        self.u_final_layer = FinalLayer(d, cfg.patch_dim)
        self.v_final_layer = FinalLayer(d, cfg.patch_dim) if with_v_head else None
        cos, sin = rope_table(cfg.seq_len, cfg.head_dim, torch.float64)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def _rope(self, dtype):
        return self.rope_cos.to(dtype), self.rope_sin.to(dtype)

    def forward(self, x, h, omega, t_min, t_max, y, heads="both"):
        """x [B,H,W,C], h/omega/t_min/t_max [B], y [B] long -> (u, v) NHWC (None where not asked)."""
        cfg = self.cfg
        b = x.shape[0]
        cos, sin = self._rope(x.dtype)

        def group(tokens, emb):
            return tokens[None, :, :] + emb[:, None, :]

        seq = torch.cat([
            group(self.class_tokens, self.y_embedder(y)),
            group(self.omega_tokens, self.omega_embedder(1 - 1 / omega)),  # the ω embedder sees 1 − 1/ω
            group(self.t_min_tokens, self.cfg_t_start_embedder(t_min)),
            group(self.t_max_tokens, self.cfg_t_end_embedder(t_max)),
            group(self.time_tokens, self.h_embedder(h)),
            self.x_embedder(x),
        ], dim=1)
        for blk in self.shared_blocks:
            seq = blk(seq, cos, sin)

        def head(s, blocks, final):
            for blk in blocks:
                s = blk(s, cos, sin)
            out = final(s[:, cfg.prefix_tokens:])
            return unpatchify(out, cfg.patch, cfg.image_size, cfg.channels)

        u = head(seq, self.u_heads, self.u_final_layer) if heads in ("u", "both") else None
        v = head(seq, self.v_heads, self.v_final_layer) if heads in ("v", "both") else None
        return u, v


class IMF(nn.Module):
    """Holds the network under `net`, so state_dict keys read `net.…` like the Java parameters."""

    def __init__(self, cfg: Config, with_v_head=True):
        super().__init__()
        self.net = ImfDiT(cfg, with_v_head)


# ---------------------------------------------------------------------------------------------
# the iMF objective (IMF_SPEC.md §2, points 2 and 5–9) given explicit draws

P_NORM, NORM_EPS = 1.0, 0.01


@dataclass
class Draws:
    """The random draws of one step (Java's StepDraws): per-example t, r, t_min, t_max, ω
    [B], noise like x, the count of leading flow-matching examples and of dropped labels."""
    t: torch.Tensor
    r: torch.Tensor
    fm_count: int
    noise: torch.Tensor
    t_min: torch.Tensor
    t_max: torch.Tensor
    omega: torch.Tensor
    drop_count: int


def velocity(net, z, omega, y):
    """Tape-free v-head call at h = 0, t_min = 0, t_max = 1."""
    n = z.shape[0]
    zeros = torch.zeros(n, dtype=z.dtype, device=z.device)
    with torch.no_grad():
        return net(z, zeros, omega, zeros, torch.ones(n, dtype=z.dtype, device=z.device), y, heads="v")[1]


def dual_forward(net, z, h, tangent_z, omega, t_min, t_max, y):
    """(u, v, du): primal outputs (differentiable w.r.t. the parameters) and the tangent of u for
    tangents (tangent_z, 1) on (z, h); every other input and every parameter has tangent 0."""
    with fwAD.dual_level():
        zd = fwAD.make_dual(z, tangent_z)
        hd = fwAD.make_dual(h, torch.ones_like(h))
        u, v = net(zd, hd, omega, t_min, t_max, y, heads="both")
        u_p, du = fwAD.unpack_dual(u)
        v_p = fwAD.unpack_dual(v).primal
    return u_p, v_p, du.detach()


def per_example_sq(a, b):
    return (a - b).pow(2).reshape(a.shape[0], -1).sum(1)


def imf_loss(net, x, y, d: Draws, guidance="folded", dual=None):
    """The iMF loss of one step and its stop-gradient quantities.

    dual: the function that computes (u, v, du), by default `dual_forward` (forward_ad); imf_dual.py
    has the written-out one, which tangents only the examples after the first d.fm_count (h = 0 there).

    guidance: how v_c = V(z, ω', y) is computed (ω' = ω inside [t_min, t_max], else 1); all three give the same
    values. "all": the spec's literal calls, v_c_full = V(z, ω, y) and v_u in one batch of 2B, then v_c on all B
    examples. "outside": v_c only for the examples whose t lies outside the interval (inside it equals v_c_full).
    "folded" (the Java engine's): v_c and v_u in the one batch of 2B, ω' in place of ω. v_c_full differs from v_c
    only outside the interval, where nothing uses it: the flow-matching examples, whose target names v_c_full,
    have the interval [0, 1].
    """
    if guidance not in ("folded", "outside", "all"):
        raise ValueError(f"guidance must be folded, outside or all, got {guidance!r}")
    b = x.shape[0]
    k = net.cfg.classes
    bc = (b,) + (1,) * (x.dim() - 1)
    t, r = d.t, d.r
    z = (1 - t.view(bc)) * x + t.view(bc) * d.noise
    vt = d.noise - x
    fm = torch.arange(b, device=x.device) < d.fm_count
    inside = (d.t_min <= t) & (t <= d.t_max)
    omega_p = torch.where(inside, d.omega, torch.ones_like(d.omega))
    # §2.5: v_c_full = V(z, ω, y) (folded: v_c = V(z, ω', y)), v_u = V(z, 1, K) in one batch of 2B
    first = omega_p if guidance == "folded" else d.omega
    both = velocity(net, torch.cat([z, z]), torch.cat([first, torch.ones_like(d.omega)]),
                    torch.cat([y, torch.full_like(y, k)]))
    vc_full, vu = both[:b], both[b:]
    if guidance == "folded":
        vc = vc_full
    elif guidance == "outside":
        vc = vc_full.clone()
        out = (~inside).nonzero().flatten()
        if out.numel() > 0:
            vc[out] = velocity(net, z[out], omega_p[out], y[out])
    else:
        vc = velocity(net, z, omega_p, y)
    vg = vt + (1 - 1 / omega_p).view(bc) * (vc - vu)
    vg_fm = vt + (1 - 1 / d.omega).view(bc) * (vc_full - vu)
    vg = torch.where(fm.view(bc), vg_fm, vg)
    # §2.6: the first n_drop examples get the null label and the unguided target
    drop = torch.arange(b, device=x.device) < d.drop_count
    y_drop = torch.where(drop, torch.full_like(y, k), y)
    vg = torch.where(drop.view(bc), vt, vg)
    # §2.7: one dual forward, tangents (v_c, 1) on (z, h); v_c from the original labels
    h = t - r
    u, v, du = (dual or dual_forward)(net, z, h, vc, d.omega, d.t_min, d.t_max, y_drop)
    # §2.8–9: compound V = u + (t − r)·sg(du); adaptive weights L / sg((L + eps)^p)
    compound = u + h.view(bc) * du
    lu = per_example_sq(compound, vg)
    lv = per_example_sq(v, vg)
    wu = 1 / (lu.detach() + NORM_EPS) ** P_NORM
    wv = 1 / (lv.detach() + NORM_EPS) ** P_NORM
    loss = (lu * wu + lv * wv).mean()
    # plain mean-squared errors (the weighted loss sits near 2 and says little by itself)
    mse = torch.stack([lu.detach().sum(), lv.detach().sum()]) / vg.numel()
    return loss, dict(z=z, h=h, vc=vc, vg=vg, u=u, v=v, du=du, y_drop=y_drop, wu=wu, wv=wv, mse=mse)
