"""A from-scratch PyTorch reference of torch-fidelity's Inception-v3 ('inception-v3-compat') and of the Fréchet distance.

Writes, for the Java tests (imfengine.vision.InceptionV3Test, imfengine.eval.FrechetDistanceTest):

  inception_w16_v1.pth        random weights in the real file's key layout (Conv2d_1a_3x3.conv.weight,
                              Conv2d_1a_3x3.bn.{weight,bias,running_mean,running_var,num_batches_tracked},
                              Mixed_5b.branch1x1.conv.weight, ..., fc.weight, fc.bias) with every width divided
                              by 16 (the topology, kernels, strides and paddings unchanged; 2048 -> 128 features)
  inception_w16_v1.safetensors
      images     [2, 3, 37, 43]   uint8 values (stored as float32), resized to 299×299 inside the network
      features   [2, 128]         the pool3 features (float64 forward from the float32 resize, rounded to float32)
      resize_up.x [1, 3, 17, 23] -> resize_up.y [1, 3, 29, 31]   the TF1 resize alone (align_corners=False)
      resize_down.x [1, 3, 40, 37] -> resize_down.y [1, 3, 13, 11]
  fid_stats_v1.npz            Fréchet distance cases in float64 (np.savez: a zip of .npy):
      <case>.mu1, <case>.sigma1, <case>.mu2, <case>.sigma2, <case>.fd   for
      general (d = 48, full-rank covariances), lowrank (d = 40, sigma1 from 12 samples: rank 11).
      The FD reference: |mu1 - mu2|² + tr σ1 + tr σ2 − 2 Σ √λ(σ1^½ σ2 σ1^½) with numpy's float64 eigh; for
      lowrank Σ √λ(Lᵀ σ2 L) with the exact factor σ1 = L Lᵀ of the samples.

The TF1 bilinear resize follows torch-fidelity's interpolate_bilinear_2d_like_tensorflow1x ("slow" method,
float32): source coordinate = i · float32(in/out), no half-pixel offset, low index = trunc, high = min(low + 1,
in − 1), lerp along x then y. Then x = (x − 128) / 128.

Full-size check (not committed, ~95 MB): --divisor 1 --out-dir /tmp/imf-inception writes the same files at
full width; `make inception-full-check` runs the engine against them.
Deterministic. Run with /usr/bin/python3 tools/reference/make_inception_fixture.py
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_f32

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "src", "test", "resources", "fixtures"))


def layers(div):
    """name -> (cin, cout, kh, kw, stride, pad_y, pad_x), in forward order; widths divided by div."""
    L = {}

    def conv(name, cin, cout, k, stride=1, pad=(0, 0)):
        kh, kw = (k, k) if isinstance(k, int) else k
        L[name] = (cin, cout, kh, kw, stride, pad[0], pad[1])
        return cout

    w = lambda c: c // div
    conv("Conv2d_1a_3x3", 3, w(32), 3, 2)
    conv("Conv2d_2a_3x3", w(32), w(32), 3)
    conv("Conv2d_2b_3x3", w(32), w(64), 3, pad=(1, 1))
    conv("Conv2d_3b_1x1", w(64), w(80), 1)
    c = conv("Conv2d_4a_3x3", w(80), w(192), 3)

    def block_a(p, cin, pool):
        conv(p + ".branch1x1", cin, w(64), 1)
        conv(p + ".branch5x5_1", cin, w(48), 1)
        conv(p + ".branch5x5_2", w(48), w(64), 5, pad=(2, 2))
        conv(p + ".branch3x3dbl_1", cin, w(64), 1)
        conv(p + ".branch3x3dbl_2", w(64), w(96), 3, pad=(1, 1))
        conv(p + ".branch3x3dbl_3", w(96), w(96), 3, pad=(1, 1))
        conv(p + ".branch_pool", cin, w(pool), 1)
        return w(64) + w(64) + w(96) + w(pool)

    def block_b(p, cin):
        conv(p + ".branch3x3", cin, w(384), 3, 2)
        conv(p + ".branch3x3dbl_1", cin, w(64), 1)
        conv(p + ".branch3x3dbl_2", w(64), w(96), 3, pad=(1, 1))
        conv(p + ".branch3x3dbl_3", w(96), w(96), 3, 2)
        return w(384) + w(96) + cin

    def block_c(p, cin, c7):
        c7 = w(c7)
        conv(p + ".branch1x1", cin, w(192), 1)
        conv(p + ".branch7x7_1", cin, c7, 1)
        conv(p + ".branch7x7_2", c7, c7, (1, 7), pad=(0, 3))
        conv(p + ".branch7x7_3", c7, w(192), (7, 1), pad=(3, 0))
        conv(p + ".branch7x7dbl_1", cin, c7, 1)
        conv(p + ".branch7x7dbl_2", c7, c7, (7, 1), pad=(3, 0))
        conv(p + ".branch7x7dbl_3", c7, c7, (1, 7), pad=(0, 3))
        conv(p + ".branch7x7dbl_4", c7, c7, (7, 1), pad=(3, 0))
        conv(p + ".branch7x7dbl_5", c7, w(192), (1, 7), pad=(0, 3))
        conv(p + ".branch_pool", cin, w(192), 1)
        return 4 * w(192)

    def block_d(p, cin):
        conv(p + ".branch3x3_1", cin, w(192), 1)
        conv(p + ".branch3x3_2", w(192), w(320), 3, 2)
        conv(p + ".branch7x7x3_1", cin, w(192), 1)
        conv(p + ".branch7x7x3_2", w(192), w(192), (1, 7), pad=(0, 3))
        conv(p + ".branch7x7x3_3", w(192), w(192), (7, 1), pad=(3, 0))
        conv(p + ".branch7x7x3_4", w(192), w(192), 3, 2)
        return w(320) + w(192) + cin

    def block_e(p, cin):
        conv(p + ".branch1x1", cin, w(320), 1)
        conv(p + ".branch3x3_1", cin, w(384), 1)
        conv(p + ".branch3x3_2a", w(384), w(384), (1, 3), pad=(0, 1))
        conv(p + ".branch3x3_2b", w(384), w(384), (3, 1), pad=(1, 0))
        conv(p + ".branch3x3dbl_1", cin, w(448), 1)
        conv(p + ".branch3x3dbl_2", w(448), w(384), 3, pad=(1, 1))
        conv(p + ".branch3x3dbl_3a", w(384), w(384), (1, 3), pad=(0, 1))
        conv(p + ".branch3x3dbl_3b", w(384), w(384), (3, 1), pad=(1, 0))
        conv(p + ".branch_pool", cin, w(192), 1)
        return w(320) + 4 * w(384) + w(192)

    c = block_a("Mixed_5b", c, 32)
    c = block_a("Mixed_5c", c, 64)
    c = block_a("Mixed_5d", c, 64)
    c = block_b("Mixed_6a", c)
    for p, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        c = block_c(p, c, c7)
    c = block_d("Mixed_7a", c)
    c = block_e("Mixed_7b", c)
    c = block_e("Mixed_7c", c)
    return L, c


def random_state(div, gen):
    L, features = layers(div)
    sd = {}
    for name, (cin, cout, kh, kw, *_rest) in L.items():
        fan_in = cin * kh * kw
        sd[name + ".conv.weight"] = torch.randn(cout, cin, kh, kw, generator=gen) * (2.0 / fan_in) ** 0.5
        sd[name + ".bn.weight"] = 0.5 + torch.rand(cout, generator=gen)
        sd[name + ".bn.bias"] = 0.1 * torch.randn(cout, generator=gen)
        sd[name + ".bn.running_mean"] = 0.1 * torch.randn(cout, generator=gen)
        sd[name + ".bn.running_var"] = 0.5 + torch.rand(cout, generator=gen)
        sd[name + ".bn.num_batches_tracked"] = torch.tensor(0, dtype=torch.int64)
    classes = 1008 // div  # the real file's fc is [1008, 2048]; the engine reads only the pool3 features
    sd["fc.weight"] = torch.randn(classes, features, generator=gen) * features ** -0.5
    sd["fc.bias"] = torch.zeros(classes)
    return sd


def resize_tf1(x, out_h, out_w):
    """torch-fidelity's TF1.x bilinear resize, align_corners=False, computed in x's dtype (float32)."""
    in_h, in_w = x.shape[2], x.shape[3]

    def grid(n_out, n_in):
        g = torch.arange(0, n_out, 1, dtype=x.dtype) * torch.tensor(n_in / n_out, dtype=torch.float32)
        lo = g.long()
        hi = (lo + 1).clamp_max(n_in - 1)
        return lo, hi, g - lo.float()

    ylo, yhi, dy = grid(out_h, in_h)
    xlo, xhi, dx = grid(out_w, in_w)
    top = x[:, :, ylo, :]
    bottom = x[:, :, yhi, :]
    t0, t1 = top[:, :, :, xlo], top[:, :, :, xhi]
    b0, b1 = bottom[:, :, :, xlo], bottom[:, :, :, xhi]
    row0 = t0 + (t1 - t0) * dx.view(1, 1, 1, out_w)
    row1 = b0 + (b1 - b0) * dx.view(1, 1, 1, out_w)
    return row0 + (row1 - row0) * dy.view(1, 1, out_h, 1)


def forward(sd, images_u8):
    """pool3 features [N, C] in float64 of uint8-valued images [N, 3, H, W] (the resize in float32, as torch-fidelity)."""
    L, _ = layers_of(sd)
    x = resize_tf1(images_u8.to(torch.float32), 299, 299)
    x = ((x - 128) / 128).to(torch.float64)

    def basic(name, t):
        _cin, _cout, _kh, _kw, stride, py, px = L[name]
        t = F.conv2d(t, sd[name + ".conv.weight"].double(), stride=stride, padding=(py, px))
        t = F.batch_norm(t, sd[name + ".bn.running_mean"].double(), sd[name + ".bn.running_var"].double(),
                         sd[name + ".bn.weight"].double(), sd[name + ".bn.bias"].double(), False, 0.0, 1e-3)
        return F.relu(t)

    def avg_pool(t):
        return F.avg_pool2d(t, 3, stride=1, padding=1, count_include_pad=False)

    def block_a(p, t):
        b1 = basic(p + ".branch1x1", t)
        b5 = basic(p + ".branch5x5_2", basic(p + ".branch5x5_1", t))
        b3 = basic(p + ".branch3x3dbl_3", basic(p + ".branch3x3dbl_2", basic(p + ".branch3x3dbl_1", t)))
        bp = basic(p + ".branch_pool", avg_pool(t))
        return torch.cat([b1, b5, b3, bp], 1)

    def block_b(p, t):
        b3 = basic(p + ".branch3x3", t)
        bd = basic(p + ".branch3x3dbl_3", basic(p + ".branch3x3dbl_2", basic(p + ".branch3x3dbl_1", t)))
        return torch.cat([b3, bd, F.max_pool2d(t, 3, stride=2)], 1)

    def block_c(p, t):
        b1 = basic(p + ".branch1x1", t)
        b7 = t
        for s in ("_1", "_2", "_3"):
            b7 = basic(p + ".branch7x7" + s, b7)
        bd = t
        for s in ("_1", "_2", "_3", "_4", "_5"):
            bd = basic(p + ".branch7x7dbl" + s, bd)
        bp = basic(p + ".branch_pool", avg_pool(t))
        return torch.cat([b1, b7, bd, bp], 1)

    def block_d(p, t):
        b3 = basic(p + ".branch3x3_2", basic(p + ".branch3x3_1", t))
        b7 = t
        for s in ("_1", "_2", "_3", "_4"):
            b7 = basic(p + ".branch7x7x3" + s, b7)
        return torch.cat([b3, b7, F.max_pool2d(t, 3, stride=2)], 1)

    def block_e(p, t, pool):
        b1 = basic(p + ".branch1x1", t)
        b3 = basic(p + ".branch3x3_1", t)
        b3 = torch.cat([basic(p + ".branch3x3_2a", b3), basic(p + ".branch3x3_2b", b3)], 1)
        bd = basic(p + ".branch3x3dbl_2", basic(p + ".branch3x3dbl_1", t))
        bd = torch.cat([basic(p + ".branch3x3dbl_3a", bd), basic(p + ".branch3x3dbl_3b", bd)], 1)
        bp = basic(p + ".branch_pool", pool(t))
        return torch.cat([b1, b3, bd, bp], 1)

    x = basic("Conv2d_2b_3x3", basic("Conv2d_2a_3x3", basic("Conv2d_1a_3x3", x)))
    x = F.max_pool2d(x, 3, stride=2)
    x = basic("Conv2d_4a_3x3", basic("Conv2d_3b_1x1", x))
    x = F.max_pool2d(x, 3, stride=2)
    for p in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
        x = block_a(p, x)
    x = block_b("Mixed_6a", x)
    for p in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
        x = block_c(p, x)
    x = block_d("Mixed_7a", x)
    x = block_e("Mixed_7b", x, avg_pool)  # the FID variant: TF's average pool excludes the padding here
    x = block_e("Mixed_7c", x, lambda t: F.max_pool2d(t, 3, stride=1, padding=1))  # and the last block max-pools
    return x.mean(dim=(2, 3))


def layers_of(sd):
    div = 32 // sd["Conv2d_1a_3x3.conv.weight"].shape[0]
    return layers(div)


def frechet(mu1, s1, mu2, s2):
    """float64 FD by the symmetric form: eigenvalues of s1^½ s2 s1^½ (numpy eigh)."""
    lam, v = np.linalg.eigh(s1)
    half = (v * np.sqrt(np.clip(lam, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(half @ s2 @ half)
    d = mu1 - mu2
    return float(d @ d + np.trace(s1) + np.trace(s2) - 2 * np.sum(np.sqrt(np.clip(inner, 0, None))))


def fid_cases(path):
    rng = np.random.default_rng(14)
    out = {}

    def samples(d, n):
        a = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) / np.sqrt(d)
        return a - a.mean(axis=0)

    for name, d, n1 in (("general", 48, 400), ("lowrank", 40, 12)):
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        a1, a2 = samples(d, n1), samples(d, 300)
        s1, s2 = a1.T @ a1 / (n1 - 1), a2.T @ a2 / 299
        if n1 <= d:
            # rank n1 − 1: the square root near the zero eigenvalues would amplify rounding (√1e-15 ≈ 3e-8 each),
            # so the reference uses the exact factor σ1 = L Lᵀ, L = a1ᵀ/√(n1 − 1): tr(σ1σ2)^½ = Σ √λ(Lᵀ σ2 L)
            l = a1.T / np.sqrt(n1 - 1)
            inner = np.linalg.eigvalsh(l.T @ s2 @ l)
            diff = mu1 - mu2
            fd = float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.sum(np.sqrt(np.clip(inner, 0, None))))
        else:
            fd = frechet(mu1, s1, mu2, s2)
        out.update({f"{name}.mu1": mu1, f"{name}.sigma1": s1, f"{name}.mu2": mu2, f"{name}.sigma2": s2,
                    f"{name}.fd": np.array([fd])})
    np.savez(path, **out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--divisor", type=int, default=16, help="width divisor (1: the full network)")
    ap.add_argument("--out-dir", default=FIXTURES)
    ap.add_argument("--images", type=int, default=2)
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(14)
    sd = random_state(args.divisor, gen)
    stem = os.path.join(args.out_dir, f"inception_w{args.divisor}_v1")
    os.makedirs(args.out_dir, exist_ok=True)
    torch.save(sd, stem + ".pth")

    images = torch.randint(0, 256, (args.images, 3, 37, 43), generator=gen, dtype=torch.int64).to(torch.uint8)
    with torch.no_grad():
        features = forward(sd, images)
    arrays = {"images": images.to(torch.float32), "features": features}
    for name, src, dst in (("resize_up", (17, 23), (29, 31)), ("resize_down", (40, 37), (13, 11))):
        x = torch.randint(0, 256, (1, 3) + src, generator=gen).to(torch.float32)
        arrays[name + ".x"], arrays[name + ".y"] = x, resize_tf1(x, *dst)
    safetensors_f32.write(stem + ".safetensors", arrays, {"source": "tools/reference/make_inception_fixture.py", "torch": torch.__version__})
    print(f"wrote {stem}.pth ({os.path.getsize(stem + '.pth')} bytes) and {stem}.safetensors; features {tuple(features.shape)}, "
          f"|features| mean {features.abs().mean().item():.4g}")
    if args.out_dir == FIXTURES:
        cases = fid_cases(os.path.join(FIXTURES, "fid_stats_v1.npz"))
        print("wrote fid_stats_v1.npz: " + ", ".join(f"{k} = {v[0]:.10g}" for k, v in cases.items() if k.endswith(".fd")))


if __name__ == "__main__":
    main()
