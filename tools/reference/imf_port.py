"""The authors' PyTorch port's parameter layout, for checks of the engine's .pth import and export.

The port (branch `torch` of github.com/Lyy-iiis/imeanflow, models/*.py) computes what imf_torch.py
computes; its state dict differs only in names: every Linear sits inside a wrapper as
`._flax_linear`, the class table inside one as `._flax_embedding`, and its inference model
`iMeanFlow(...)` (the only one it builds, eval_mode=True) has `net.v_final_layer` but no
`net.v_heads`. Its network takes NCHW images; the engine and imf_torch.py use NHWC.

This file does not contain the port's code. It gives
  * `port_twin(cfg, eval_mode)`: imf_torch's network with the port's module tree (state-dict keys
    equal to the port's), written here from the naming rule above;
  * `port_network(repo, cfg, eval_mode)`: the authors' own `imfDiT` imported from a checkout you
    point at (`git clone -b torch https://github.com/Lyy-iiis/imeanflow`), for the cross-checks;
  * `read_safetensors(path)`: the engine's exports read with numpy alone (no safetensors package).

Run with Debian's /usr/bin/python3 (python3-torch 1.13.1).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imf_torch as it  # noqa: E402


class FlaxLinear(nn.Module):
    """Holds an nn.Linear under the port's attribute name `_flax_linear`."""

    def __init__(self, linear):
        super().__init__()
        self._flax_linear = linear

    def forward(self, x):
        return self._flax_linear(x)


class FlaxEmbedding(nn.Module):
    """Holds an nn.Embedding under the port's attribute name `_flax_embedding`."""

    def __init__(self, embedding):
        super().__init__()
        self._flax_embedding = embedding

    def forward(self, y):
        return self._flax_embedding(y)


def to_port_layout(module):
    """Wraps every nn.Linear and nn.Embedding of `module` in place (the patch conv stays a conv)."""
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                setattr(parent, name, FlaxLinear(child))
            elif isinstance(child, nn.Embedding):
                setattr(parent, name, FlaxEmbedding(child))
    return module


def port_twin(cfg, eval_mode=False):
    """imf_torch.IMF with the port's names; eval_mode drops the v-head blocks but keeps v_final_layer."""
    model = to_port_layout(it.IMF(cfg, with_v_head=True))
    if eval_mode:
        model.net.v_heads = nn.ModuleList()
    return model


def eval_state_dict(sd):
    """The released files' layout: the full state dict without `net.v_heads.*`."""
    return type(sd)((k, v) for k, v in sd.items() if not k.startswith("net.v_heads."))


class _Holder(nn.Module):
    """Puts a network under `net`, as the port's iMeanFlow wrapper does."""

    def __init__(self, net):
        super().__init__()
        self.net = net


def port_network(repo, cfg, eval_mode):
    """The authors' imfDiT (from a checkout of their torch branch at `repo`) under `net`, sized as cfg."""
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from models.imfDiT import imfDiT  # the authors' module, from the checkout given
    net = imfDiT(input_size=cfg.image_size, patch_size=cfg.patch, in_channels=cfg.channels, hidden_size=cfg.hidden,
                 depth=cfg.depth, num_heads=cfg.heads, num_classes=cfg.classes, aux_head_depth=cfg.aux_depth,
                 eval_mode=eval_mode)
    return _Holder(net)


def port_forward(model, x_nhwc, h, omega, t_min, t_max, y):
    """The port's forward (float32: its RoPE goes through complex64) on NHWC inputs; (u, v) as NHWC."""
    x = x_nhwc.float().permute(0, 3, 1, 2).contiguous()
    t = torch.zeros_like(h).float()  # the port takes t and ignores it
    with torch.no_grad():
        u, v = model.net(x, t, h.float(), omega.float(), t_min.float(), t_max.float(), y)
    return u.permute(0, 2, 3, 1), v.permute(0, 2, 3, 1)


def read_safetensors(path):
    """(name -> float32 torch tensor, metadata) of a safetensors file with F32 tensors."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {e['dtype']}")
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy())
    return out, meta


def config_of(meta):
    """imf_torch.Config from the engine's safetensors metadata."""
    return it.Config(*(int(meta[k]) for k in ("image_size", "channels", "num_classes", "hidden_size", "depth",
                                                "num_heads", "aux_head_depth", "patch_size")))


def rel(a, b):
    """Norm-wise relative difference ‖a − b‖ / ‖b‖ in float64."""
    a, b = a.double(), b.double()
    return ((a - b).norm() / b.norm()).item()
