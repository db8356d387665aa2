"""Writes src/test/resources/fixtures/image_ops_v1.safetensors: PyTorch's image ops on small random inputs.

Checked by the Java test imfengine.ops.TorchImageOpsTest against the engine's Conv2d, GroupNorm, Resampling
and BatchNormFold on every backend. Inputs are drawn in float32; the outputs are computed by torch in float64
from those float32 values and stored rounded to float32. Every case is named "<case>.<array>":

  conv_k3_s1_p1   x [2, 5, 9, 7],  w [8, 5, 3, 3], b [8]   y = conv2d(x, w, b, stride=1, padding=1)
  conv_k3_s2_p1   x [1, 3, 8, 9],  w [4, 3, 3, 3], b [4]   stride 2, padding 1
  conv_k3_s2_p0   x [2, 3, 9, 9],  w [5, 3, 3, 3], b [5]   stride 2, padding 0 (Inception-v3's stem)
  conv_k1_s1_p0   x [2, 64, 3, 3], w [32, 64, 1, 1], b [32]
  conv_k1_s2_p0   x [1, 5, 7, 7],  w [3, 5, 1, 1], b [3]
  group_norm      x [2, 64, 8, 7], gamma [64], beta [64]  y = group_norm(x, 32, gamma, beta, eps=1e-6)
  upsample        x [1, 3, 3, 5]   y = interpolate(x, scale_factor=2, mode="nearest")
  max_pool_k3_s2  x [2, 3, 9, 9]   y = max_pool2d(x, 3, stride=2)
  avg_pool_k3_s1_p1_exclude  x [1, 5, 7, 8]  y = avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
  avg_pool_k2_s2  x [2, 3, 8, 8]   y = avg_pool2d(x, 2, stride=2)
  conv_bn         x [2, 3, 7, 8], w [5, 3, 3, 3], gamma, beta, mean, var [5]
                  y = batch_norm(conv2d(x, w, padding=1), mean, var, gamma, beta, training=False, eps=1e-3)

Deterministic (same bytes on rerun). Run with Debian's interpreter: /usr/bin/python3 tools/reference/make_image_ops_fixture.py
"""
import os

import torch
import torch.nn.functional as F

import safetensors_f32

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "image_ops_v1.safetensors")

gen = torch.Generator().manual_seed(14)


def draw(*shape, positive=False):
    t = torch.randn(*shape, generator=gen, dtype=torch.float32)
    return (0.2 + t.abs()) if positive else t


def d(t):
    return t.to(torch.float64)


arrays = {}


def case(name, y, **inputs):
    for k, v in inputs.items():
        arrays[f"{name}.{k}"] = v
    arrays[f"{name}.y"] = y.to(torch.float32)


for name, xs, ws, stride, pad in [("conv_k3_s1_p1", (2, 5, 9, 7), (8, 5, 3, 3), 1, 1),
                                  ("conv_k3_s2_p1", (1, 3, 8, 9), (4, 3, 3, 3), 2, 1),
                                  ("conv_k3_s2_p0", (2, 3, 9, 9), (5, 3, 3, 3), 2, 0),
                                  ("conv_k1_s1_p0", (2, 64, 3, 3), (32, 64, 1, 1), 1, 0),
                                  ("conv_k1_s2_p0", (1, 5, 7, 7), (3, 5, 1, 1), 2, 0)]:
    x, w, b = draw(*xs), draw(*ws), draw(ws[0])
    case(name, F.conv2d(d(x), d(w), d(b), stride=stride, padding=pad), x=x, w=w, b=b)

x, gamma, beta = draw(2, 64, 8, 7), draw(64), draw(64)
case("group_norm", F.group_norm(d(x), 32, d(gamma), d(beta), eps=1e-6), x=x, gamma=gamma, beta=beta)

x = draw(1, 3, 3, 5)
case("upsample", F.interpolate(d(x), scale_factor=2, mode="nearest"), x=x)
x = draw(2, 3, 9, 9)
case("max_pool_k3_s2", F.max_pool2d(d(x), 3, stride=2), x=x)
x = draw(1, 5, 7, 8)
case("avg_pool_k3_s1_p1_exclude", F.avg_pool2d(d(x), 3, stride=1, padding=1, count_include_pad=False), x=x)
x = draw(2, 3, 8, 8)
case("avg_pool_k2_s2", F.avg_pool2d(d(x), 2, stride=2), x=x)

x, w = draw(2, 3, 7, 8), draw(5, 3, 3, 3)
gamma, beta, mean, var = draw(5), draw(5), draw(5), draw(5, positive=True)
y = F.batch_norm(F.conv2d(d(x), d(w), padding=1), d(mean), d(var), d(gamma), d(beta), training=False, eps=1e-3)
case("conv_bn", y, x=x, w=w, gamma=gamma, beta=beta, mean=mean, var=var)

offset = safetensors_f32.write(OUT, arrays, {"source": "tools/reference/make_image_ops_fixture.py", "torch": torch.__version__})
print(f"wrote {os.path.normpath(OUT)}: {len(arrays)} arrays, {offset} bytes of data")
