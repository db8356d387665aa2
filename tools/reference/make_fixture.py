"""Writes src/test/resources/fixtures/imf_tiny_v1.bin: a tiny imfDiT, one batch, explicit draws,
and what the float64 PyTorch reference (imf_torch.py) computes from them. The Java test
TorchFixtureTest reads it; CI needs only the committed file, not torch.

    /usr/bin/python3 tools/reference/make_fixture.py [out.bin]

Format (all little-endian; llm.c style, self-describing):

    int32 magic   = 20261126
    int32 version = 1
    int32 count   number of arrays that follow
    count times:
        int32 name_len, name (UTF-8, name_len bytes)
        int32 dtype   0 = float32, 1 = int32
        int32 rank, int32 dims[rank]
        data          prod(dims) elements of dtype, row-major

Arrays (B = 4, images NHWC [B, 8, 8, 1]):
    config           int32 [8]   image, channels, classes, hidden, depth, heads, aux, patch (Java ModelConfig order)
    x                f32 [B,H,W,C]  data in [-1, 1]
    labels           int32 [B]
    draws.t, draws.r, draws.t_min, draws.t_max, draws.omega   f32 [B]
    draws.noise      f32 [B,H,W,C]
    draws.counts     int32 [2]   fm_count, drop_count
    dual.z, dual.tangent  f32 [B,H,W,C]; dual.h f32 [B]; dual.labels int32 [B]
                     inputs of a standalone dual forward (conditions ω, t_min, t_max = draws.*)
    dual.u, dual.v, dual.du   f32 [B,H,W,C]  its float64 results, rounded to float32
    loss.value       f32 [1]     the iMF loss of the step (draws above), float64 rounded
    loss.mse         f32 [2]     unweighted mean((V − v_g)²), mean((v − v_g)²) of the step
    loss.target      f32 [B,H,W,C]  the guided target v_g after class dropout
    loss.tangent     f32 [B,H,W,C]  the JVP tangent v_c
    loss.du          f32 [B,H,W,C]  du of the step's dual forward
    param.<name>     f32         every parameter (name = Java parameter name, e.g. net.u_heads.0.attn.q_proj.weight)
    grad.<name>      f32         d loss / d param, float64 rounded

The weights are float32 values (what both sides load); the reference computes in float64 from them.
"""
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imf_torch as it  # noqa: E402

MAGIC, VERSION = 20261126, 1
B = 4
PERTURB = 0.2
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "fixtures", "imf_tiny_v1.bin")


def write_fixture(path, arrays):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<iii", MAGIC, VERSION, len(arrays)))
        for name, a in arrays:
            a = np.ascontiguousarray(a)
            if a.dtype == np.float32:
                code = 0
            elif a.dtype == np.int32:
                code = 1
            else:
                raise TypeError(f"{name}: dtype {a.dtype} (need float32 or int32)")
            nb = name.encode("utf-8")
            f.write(struct.pack("<i", len(nb)) + nb)
            f.write(struct.pack("<ii", code, a.ndim))
            f.write(struct.pack(f"<{a.ndim}i", *a.shape))
            f.write(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes())


def f32(t):
    return t.detach().to(torch.float32).numpy()


def i32(t):
    return np.asarray(t, dtype=np.int32)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    torch.manual_seed(20261126)
    cfg = it.PRESETS["tiny"]
    model = it.IMF(cfg, with_v_head=True)
    # every tensor perturbed, the zero-initialised gates and final layers included; float32 values
    with torch.no_grad():
        for p in model.parameters():
            p.add_(PERTURB * torch.randn_like(p))
    model = model.double()
    net = model.net
    hw = (B, cfg.image_size, cfg.image_size, cfg.channels)

    # inputs, rounded to float32 (the values the Java side reads) and computed on in float64
    g = torch.Generator().manual_seed(7)
    x = (2 * torch.rand(hw, generator=g) - 1).float().double()
    labels = torch.tensor([0, 2, 1, 2])
    noise = torch.randn(hw, generator=g).float().double()
    # explicit draws chosen to reach every branch: B·0.5 = 2 leading flow-matching examples (r = t,
    # interval [0, 1]); example 0 is also dropped (label K, target v_t); example 2 has t inside its
    # guidance interval (ω' = ω), example 3 outside (ω' = 1).
    d = it.Draws(
        t=torch.tensor([0.62, 0.35, 0.81, 0.27]).float().double(),
        r=torch.tensor([0.62, 0.35, 0.44, 0.05]).float().double(),
        fm_count=2,
        noise=noise,
        t_min=torch.tensor([0.0, 0.0, 0.21, 0.36]).float().double(),
        t_max=torch.tensor([1.0, 1.0, 0.93, 0.71]).float().double(),
        omega=torch.tensor([2.5, 1.7, 6.3, 3.9]).float().double(),
        drop_count=1,
    )

    # the whole step
    loss, s = it.imf_loss(net, x, labels, d)
    loss.backward()
    # the same loss with the spec's literal v-head calls (v_c on all B examples), and with v_c only on the examples
    # outside their interval: must agree with the engine's (ω' folded into the batch of 2B)
    for guidance in ("all", "outside"):
        model.zero_grad(set_to_none=False)
        other, _ = it.imf_loss(net, x, labels, d, guidance=guidance)
        assert abs(other.item() - loss.item()) < 1e-12, (guidance, other.item(), loss.item())
    model.zero_grad(set_to_none=True)
    loss, s = it.imf_loss(net, x, labels, d)
    loss.backward()

    # a standalone dual forward on float32-rounded inputs (isolates the network from the objective)
    z32 = s["z"].float().double()
    vc32 = s["vc"].float().double()
    h32 = s["h"].float().double()
    u, v, du = it.dual_forward(net, z32, h32, vc32, d.omega, d.t_min, d.t_max, s["y_drop"])

    # sanity: du against central differences along (v_c, 1)
    eps = 1e-6
    with torch.no_grad():
        up = net(z32 + eps * vc32, h32 + eps, d.omega, d.t_min, d.t_max, s["y_drop"], heads="u")[0]
        um = net(z32 - eps * vc32, h32 - eps, d.omega, d.t_min, d.t_max, s["y_drop"], heads="u")[0]
    fd = (up - um) / (2 * eps)
    fd_err = ((fd - du).norm() / du.norm()).item()
    assert fd_err < 1e-6, fd_err

    arrays = [
        ("config", i32(cfg.as_list())),
        ("x", f32(x)),
        ("labels", i32(labels)),
        ("draws.t", f32(d.t)), ("draws.r", f32(d.r)), ("draws.t_min", f32(d.t_min)),
        ("draws.t_max", f32(d.t_max)), ("draws.omega", f32(d.omega)), ("draws.noise", f32(d.noise)),
        ("draws.counts", i32([d.fm_count, d.drop_count])),
        ("dual.z", f32(z32)), ("dual.tangent", f32(vc32)), ("dual.h", f32(h32)), ("dual.labels", i32(s["y_drop"])),
        ("dual.u", f32(u)), ("dual.v", f32(v)), ("dual.du", f32(du)),
        ("loss.value", np.array([loss.item()], dtype=np.float32)), ("loss.mse", f32(s["mse"])),
        ("loss.target", f32(s["vg"])), ("loss.tangent", f32(s["vc"])), ("loss.du", f32(s["du"])),
    ]
    named = list(model.named_parameters())
    arrays += [("param." + n, f32(p)) for n, p in named]
    arrays += [("grad." + n, f32(p.grad)) for n, p in named]
    write_fixture(out, arrays)
    print(f"wrote {os.path.normpath(out)}: {len(arrays)} arrays, {os.path.getsize(out)} bytes; "
          f"loss {loss.item():.10g}, du vs finite differences {fd_err:.2e}, {len(named)} parameters")


if __name__ == "__main__":
    main()
