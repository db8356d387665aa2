"""The SD-VAE decoder (diffusers' AutoencoderKL.decode, as the authors' utils/vae_util.py calls it) in plain torch,
with random weights in the layout of stabilityai/sd-vae-ft-mse's diffusion_pytorch_model.safetensors.

Written from the architecture (diffusers' Decoder / UNetMidBlock2D / UpDecoderBlock2D / ResnetBlock2D / Attention),
not from its code; diffusers is not needed. The de-normalisation is the authors': z * std + mean per channel, then
vae.decode (post_quant_conv, decoder) with no division by the VAE's scaling factor.

Two modes:

  (default) the tiny fixture for `make test` (imfengine.vision.VaeDecoderTest): block_out_channels [8, 16, 16, 32],
      layers_per_block 2 (3 resnets per up block), 4 norm groups, 2 latents of 4x4x4 -> images 2x3x32x32. Writes
      src/test/resources/fixtures/vae_tiny_v1.safetensors: the weights under their real names (decoder.*,
      post_quant_conv.*), plus "test.latents" [2, 4, 4, 4] (NCHW, as the iMF model outputs them: normalised) and
      "test.images" [2, 3, 32, 32] (the decoder's output, in about [-1, 1], neither clamped nor rescaled).
      __metadata__ holds norm_groups.

  --full DIR: the real widths (block_out_channels [128, 256, 512, 512], 32 groups; 49.5 M decoder parameters,
      198 MB) with random weights into DIR/vae.safetensors, one latent of --latent-size (default 8) into
      DIR/latents.npy (NHWC, as `imf-engine sample` writes them) and the reference images into DIR/images.npy
      (NCHW float32). For `make test-vae-full` (VaeDecoderFullSizeTest); nothing is committed.

Outputs are computed in float64 from the float32 weights and inputs and stored rounded to float32.
Deterministic (same bytes on rerun). Run with Debian's interpreter: /usr/bin/python3 tools/reference/make_vae_fixture.py
"""
import argparse
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import safetensors_f32

MEAN = [0.86488, -0.27787343, 0.21616915, 0.3738409]  # the authors' per-channel latent statistics (vae_util.py)
STD = [4.85503674, 5.31922414, 3.93725398, 3.9870003]
EPS = 1e-6  # every GroupNorm of the decoder

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "fixtures", "vae_tiny_v1.safetensors")


# ---- random weights under the real names --------------------------------------------------------------------------
class Weights:
    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.w = {}

    def conv(self, name, cout, cin, k):
        bound = 1.0 / math.sqrt(cin * k * k)  # torch's default Conv2d init
        self.w[name + ".weight"] = (torch.rand(cout, cin, k, k, generator=self.gen) * 2 - 1) * bound
        self.w[name + ".bias"] = (torch.rand(cout, generator=self.gen) * 2 - 1) * bound

    def linear(self, name, cout, cin):
        bound = 1.0 / math.sqrt(cin)
        self.w[name + ".weight"] = (torch.rand(cout, cin, generator=self.gen) * 2 - 1) * bound
        self.w[name + ".bias"] = (torch.rand(cout, generator=self.gen) * 2 - 1) * bound

    def norm(self, name, c):  # away from the identity, so that a skipped affine shows
        self.w[name + ".weight"] = 1 + 0.2 * torch.randn(c, generator=self.gen)
        self.w[name + ".bias"] = 0.2 * torch.randn(c, generator=self.gen)

    def resnet(self, name, cin, cout):
        self.norm(name + ".norm1", cin)
        self.conv(name + ".conv1", cout, cin, 3)
        self.norm(name + ".norm2", cout)
        self.conv(name + ".conv2", cout, cout, 3)
        if cin != cout:
            self.conv(name + ".conv_shortcut", cout, cin, 1)


def random_decoder(blocks, layers, latent, seed):
    r = Weights(seed)
    top = blocks[-1]
    r.conv("post_quant_conv", latent, latent, 1)
    r.conv("decoder.conv_in", top, latent, 3)
    r.resnet("decoder.mid_block.resnets.0", top, top)
    r.norm("decoder.mid_block.attentions.0.group_norm", top)
    for p in ("to_q", "to_k", "to_v", "to_out.0"):
        r.linear("decoder.mid_block.attentions.0." + p, top, top)
    r.resnet("decoder.mid_block.resnets.1", top, top)
    rev = list(reversed(blocks))
    prev = rev[0]
    for i, out in enumerate(rev):
        for j in range(layers + 1):
            r.resnet(f"decoder.up_blocks.{i}.resnets.{j}", prev if j == 0 else out, out)
        if i < len(rev) - 1:
            r.conv(f"decoder.up_blocks.{i}.upsamplers.0.conv", out, out, 3)
        prev = out
    r.norm("decoder.conv_norm_out", blocks[0])
    r.conv("decoder.conv_out", 3, blocks[0], 3)
    return r.w


# ---- the decoder, functional, in float64 --------------------------------------------------------------------------
def decode(w, z, blocks, layers, groups):
    w = {k: v.to(torch.float64) for k, v in w.items()}
    conv = lambda x, n, pad: F.conv2d(x, w[n + ".weight"], w[n + ".bias"], padding=pad)
    norm = lambda x, n: F.group_norm(x, groups, w[n + ".weight"], w[n + ".bias"], eps=EPS)

    def resnet(x, n):
        h = conv(F.silu(norm(x, n + ".norm1")), n + ".conv1", 1)
        h = conv(F.silu(norm(h, n + ".norm2")), n + ".conv2", 1)
        skip = conv(x, n + ".conv_shortcut", 0) if n + ".conv_shortcut.weight" in w else x
        return skip + h

    def attention(x, n):  # one head over the H*W pixels, GroupNorm first, residual
        b, c, hh, ww = x.shape
        t = norm(x, n + ".group_norm").reshape(b, c, hh * ww).transpose(1, 2)
        lin = lambda y, p: F.linear(y, w[n + "." + p + ".weight"], w[n + "." + p + ".bias"])
        q, k, v = lin(t, "to_q"), lin(t, "to_k"), lin(t, "to_v")
        p = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        o = lin(p @ v, "to_out.0")
        return x + o.transpose(1, 2).reshape(b, c, hh, ww)

    mean = torch.tensor(MEAN, dtype=torch.float64).view(1, -1, 1, 1)
    std = torch.tensor(STD, dtype=torch.float64).view(1, -1, 1, 1)
    x = z.to(torch.float64) * std + mean
    x = conv(x, "post_quant_conv", 0)
    x = conv(x, "decoder.conv_in", 1)
    x = resnet(x, "decoder.mid_block.resnets.0")
    x = attention(x, "decoder.mid_block.attentions.0")
    x = resnet(x, "decoder.mid_block.resnets.1")
    for i in range(len(blocks)):
        for j in range(layers + 1):
            x = resnet(x, f"decoder.up_blocks.{i}.resnets.{j}")
        if i < len(blocks) - 1:
            x = conv(F.interpolate(x, scale_factor=2, mode="nearest"), f"decoder.up_blocks.{i}.upsamplers.0.conv", 1)
    x = F.silu(norm(x, "decoder.conv_norm_out"))
    return conv(x, "decoder.conv_out", 1)


def latents(n, size, seed):
    # about unit scale per channel, like the model's (normalised) samples
    return torch.randn(n, 4, size, size, generator=torch.Generator().manual_seed(seed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", metavar="DIR", help="full-size random decoder, latents and reference into DIR")
    ap.add_argument("--latent-size", type=int, default=8, help="--full: latent side (default 8 -> 64x64 images)")
    args = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if args.full:
        blocks, layers, groups = [128, 256, 512, 512], 2, 32
        w = random_decoder(blocks, layers, 4, seed=141)
        z = latents(1, args.latent_size, seed=142)
        images = decode(w, z, blocks, layers, groups).to(torch.float32)
        os.makedirs(args.full, exist_ok=True)
        size = safetensors_f32.write(os.path.join(args.full, "vae.safetensors"), w,
                                 {"source": "tools/reference/make_vae_fixture.py --full", "norm_groups": str(groups)})
        np.save(os.path.join(args.full, "latents.npy"), z.permute(0, 2, 3, 1).contiguous().numpy())  # NHWC
        np.save(os.path.join(args.full, "images.npy"), images.numpy())
        print(f"wrote {args.full}: vae.safetensors ({size} bytes of weights), latents.npy {list(z.shape)} (NHWC), "
              f"images.npy {list(images.shape)}")
        return
    blocks, layers, groups = [8, 16, 16, 32], 2, 4
    w = random_decoder(blocks, layers, 4, seed=14)
    z = latents(2, 4, seed=15)
    arrays = dict(w)
    arrays["test.latents"] = z
    arrays["test.images"] = decode(w, z, blocks, layers, groups).to(torch.float32)
    size = safetensors_f32.write(TINY, arrays, {"source": "tools/reference/make_vae_fixture.py", "torch": torch.__version__,
                                            "norm_groups": str(groups)})
    print(f"wrote {os.path.normpath(TINY)}: {len(arrays)} arrays, {size} bytes of data")


if __name__ == "__main__":
    main()
