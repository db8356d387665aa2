"""The dual forward of imf_torch.ImfDiT written out by hand: what a PyTorch expert would write for speed.

`torch.autograd.forward_ad` (imf_torch.dual_forward) is the short way to get du, but in PyTorch 1.13 every
tangent operation depends on the parameters and so is recorded on the backward tape, although the loss
only uses sg(du); the v-head gets a tangent nobody reads; and the flow-matching examples (h = t − r = 0,
where (t − r)·du vanishes) carry tangents too. Here:

  - the primal runs as an ordinary recorded forward (the gradient flows through it alone);
  - each tangent is computed under torch.no_grad() from the primal values (nothing of it is on the tape);
  - tangents run only for the examples `tangent_from:` (the rows with h ≠ 0: the Java engine's
    imf/DualForward does the same) and only through the trunk and the u-head.

Tangent rules (t· is the tangent of ·): Linear tx·Wᵀ; RMSNorm y = x·r·w, r = (mean x² + ε)^−½:
ty = w·r·(tx − x·r²·mean(x·tx)); SiLU' = s·(1 + a·(1 − s)), s = σ(a); RoPE is linear; attention
S = q·kᵀ/√d, P = softmax S: tS = (tq·kᵀ + q·tkᵀ)/√d, tP = P ⊙ (tS − Σ_j P ⊙ tS), tO = tP·v + P·tv.
`check()` compares u, v, du and the parameter gradients with forward_ad in float64.
"""
import math

import torch
import torch.nn.functional as F

import imf_torch as it


def _rmsnorm(weight, x, tx, need_primal_r=False):
    r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + it.RMS_EPS)
    y = x * r * weight
    if tx is None:
        return y, None
    with torch.no_grad():
        n = tx.shape[0]
        xs, rs = x[-n:], r[-n:]
        ty = (tx - xs * (rs * rs) * (xs * tx).mean(-1, keepdim=True)) * rs * weight
    return y, ty


def _linear_t(tx, weight):
    """The tangent of a Linear (the bias has none); no_grad by the caller."""
    return None if tx is None else F.linear(tx, weight)


def _attention(mod, x, tx, cos, sin):
    b, l, d = x.shape
    hh, dh = mod.heads, mod.head_dim

    def project(lin, norm):
        p = F.linear(x, lin.weight).reshape(b, l, hh, dh)
        with torch.no_grad():
            tp = None if tx is None else F.linear(tx, lin.weight).reshape(tx.shape[0], l, hh, dh)
        if norm is None:
            return p, tp
        p, tp = _rmsnorm(norm.weight, p, tp)
        p = it.apply_rope(p, cos, sin)
        with torch.no_grad():
            tp = None if tp is None else it.apply_rope(tp, cos, sin)
        return p, tp

    q, tq = project(mod.q_proj, mod.q_norm)
    k, tk = project(mod.k_proj, mod.k_norm)
    v, tv = project(mod.v_proj, None)
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, L, Dh]
    scale = 1.0 / math.sqrt(dh)
    p = torch.softmax((q @ k.transpose(-1, -2)) * scale, dim=-1)
    o = (p @ v).transpose(1, 2).reshape(b, l, d)
    out = F.linear(o, mod.out_proj.weight)
    if tx is None:
        return out, None
    with torch.no_grad():
        n = tx.shape[0]
        tq, tk, tv = (t.transpose(1, 2) for t in (tq, tk, tv))
        qs, ks, vs, ps = q[-n:], k[-n:], v[-n:], p[-n:]
        ts = (tq @ ks.transpose(-1, -2) + qs @ tk.transpose(-1, -2)) * scale
        tp = ps * (ts - (ps * ts).sum(-1, keepdim=True))
        to = (tp @ vs + ps @ tv).transpose(1, 2).reshape(n, l, d)
        tout = F.linear(to, mod.out_proj.weight)
    return out, tout


def _swiglu(mod, x, tx):
    a, g = F.linear(x, mod.w1.weight), F.linear(x, mod.w3.weight)
    sa = F.silu(a)
    m = sa * g
    out = F.linear(m, mod.w2.weight)
    if tx is None:
        return out, None
    with torch.no_grad():
        n = tx.shape[0]
        an, gn, san = a[-n:], g[-n:], sa[-n:]
        s = torch.sigmoid(an)
        tm = (s * (1 + an * (1 - s))) * F.linear(tx, mod.w1.weight) * gn + san * F.linear(tx, mod.w3.weight)
        tout = F.linear(tm, mod.w2.weight)
    return out, tout


def _block(blk, x, tx, cos, sin):
    h, th = _rmsnorm(blk.norm1.weight, x, tx)
    a, ta = _attention(blk.attn, h, th, cos, sin)
    x = x + a * blk.attn_scale
    with torch.no_grad():
        tx = None if tx is None else tx + ta * blk.attn_scale
    h, th = _rmsnorm(blk.norm2.weight, x, tx)
    m, tm = _swiglu(blk.mlp, h, th)
    x = x + m * blk.mlp_scale
    with torch.no_grad():
        tx = None if tx is None else tx + tm * blk.mlp_scale
    return x, tx


def _time_embedding(emb, s, n_tangent):
    """emb(s) and its tangent along ds = 1 for the last n_tangent examples."""
    feats = emb.features(s)
    lin0, lin2 = emb.mlp[0], emb.mlp[2]
    e1 = F.linear(feats, lin0.weight, lin0.bias)
    z = F.silu(e1)
    e2 = F.linear(z, lin2.weight, lin2.bias)
    with torch.no_grad():
        half = it.FREQUENCY_DIM // 2
        k = torch.arange(half, dtype=s.dtype, device=s.device)
        freqs = torch.exp(-math.log(10000.0) * k / half)
        args = s[-n_tangent:, None] * freqs[None, :]
        tfeats = torch.cat([-torch.sin(args) * freqs, torch.cos(args) * freqs], dim=-1)
        e1n = e1[-n_tangent:]
        sg = torch.sigmoid(e1n)
        tz = (sg * (1 + e1n * (1 - sg))) * F.linear(tfeats, lin0.weight)
        te2 = F.linear(tz, lin2.weight)
    return e2, te2


def dual_forward(net, z, h, tangent_z, omega, t_min, t_max, y, tangent_from=0):
    """(u, v, du) as imf_torch.dual_forward: tangents (tangent_z, 1) on (z, h); du is zero for the
    examples before `tangent_from` (the caller vouches that their h is 0, so (t − r)·du vanishes there)."""
    cfg = net.cfg
    b = z.shape[0]
    n = b - tangent_from
    cos, sin = net._rope(z.dtype)

    def group(tokens, e):
        return tokens[None, :, :] + e[:, None, :]

    h_emb, th_emb = _time_embedding(net.h_embedder, h, n) if n > 0 else (net.h_embedder(h), None)
    seq = torch.cat([
        group(net.class_tokens, net.y_embedder(y)),
        group(net.omega_tokens, net.omega_embedder(1 - 1 / omega)),
        group(net.t_min_tokens, net.cfg_t_start_embedder(t_min)),
        group(net.t_max_tokens, net.cfg_t_end_embedder(t_max)),
        group(net.time_tokens, h_emb),
        net.x_embedder(z),
    ], dim=1)
    tseq = None
    if n > 0:
        with torch.no_grad():
            w = net.x_embedder.proj.weight
            w = w.permute(0, 2, 3, 1).reshape(w.shape[0], -1)
            zeros = torch.zeros(n, cfg.prefix_tokens - it.TIME_TOKENS, cfg.hidden, dtype=z.dtype, device=z.device)
            tseq = torch.cat([zeros, th_emb[:, None, :].expand(n, it.TIME_TOKENS, cfg.hidden),
                              F.linear(it.patchify(tangent_z[tangent_from:], cfg.patch), w)], dim=1)
    for blk in net.shared_blocks:
        seq, tseq = _block(blk, seq, tseq, cos, sin)

    def head(s, ts, blocks, final):
        for blk in blocks:
            s, ts = _block(blk, s, ts, cos, sin)
        s, ts = s[:, cfg.prefix_tokens:], None if ts is None else ts[:, cfg.prefix_tokens:]
        o, to = _rmsnorm(final.norm.weight, s, ts)
        o = F.linear(o, final.linear.weight, final.linear.bias)
        u = it.unpatchify(o, cfg.patch, cfg.image_size, cfg.channels)
        if ts is None:
            return u, None
        with torch.no_grad():
            return u, it.unpatchify(F.linear(to, final.linear.weight), cfg.patch, cfg.image_size, cfg.channels)

    u, du_tail = head(seq, tseq, net.u_heads, net.u_final_layer)
    v, _ = head(seq, None, net.v_heads, net.v_final_layer)
    with torch.no_grad():
        du = torch.zeros_like(u)
        if n > 0:
            du[tangent_from:] = du_tail
    return u, v, du


def check(seed=0):
    """forward_ad against the written-out dual forward in float64 on the tiny preset: u, v, du and the loss
    gradient of every parameter. Returns the largest norm-wise relative difference."""
    torch.manual_seed(seed)
    cfg = it.PRESETS["tiny"]
    model = it.IMF(cfg).double()
    with torch.no_grad():  # zero-initialised gates and final layers would hide most of the network
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    net = model.net
    b = 6
    x = torch.rand(b, cfg.image_size, cfg.image_size, cfg.channels, dtype=torch.float64) * 2 - 1
    y = torch.randint(0, cfg.classes, (b,))
    t = torch.rand(b, dtype=torch.float64)
    r = t * torch.rand(b, dtype=torch.float64)
    fm = 2
    r[:fm] = t[:fm]
    d = it.Draws(t=t, r=r, fm_count=fm, noise=torch.randn_like(x), t_min=0.5 * torch.rand(b, dtype=torch.float64),
                 t_max=0.5 + 0.5 * torch.rand(b, dtype=torch.float64), omega=1 + 3 * torch.rand(b, dtype=torch.float64),
                 drop_count=1)
    worst = 0.0

    def rel(a, b_):
        return float((a - b_).norm() / b_.norm().clamp_min(1e-300))

    results = []
    for fn in (it.dual_forward, lambda *a: dual_forward(*a, tangent_from=fm)):
        model.zero_grad(set_to_none=True)
        loss, aux = it.imf_loss(net, x, y, d, dual=fn)
        loss.backward()
        results.append((aux["u"].detach(), aux["v"].detach(), aux["du"], [p.grad.clone() for p in model.parameters()]))
    (u0, v0, du0, g0), (u1, v1, du1, g1) = results
    du0 = du0.clone()
    du0[:fm] = 0  # forward_ad computes them; the loss multiplies them by h = 0
    for a, b_ in [(u1, u0), (v1, v0), (du1, du0)] + list(zip(g1, g0)):
        if b_.norm() > 0:
            worst = max(worst, rel(a, b_))
    return worst


if __name__ == "__main__":
    print(f"written-out dual forward vs forward_ad (float64, tiny): largest relative difference {check():.3e}")
