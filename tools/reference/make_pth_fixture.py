"""Writes the fixtures of the engine's .pth import (src/test/resources/fixtures/pth/): files made
by torch.save with the layout of the authors' released checkpoints, and what PyTorch computes
from them. The Java tests (PthImportTest, PthFileTest) read them; CI needs only the committed files.

    /usr/bin/python3 tools/reference/make_pth_fixture.py [--port-repo DIR] [--out DIR]

With --port-repo (a checkout of the authors' torch branch) the script also loads every fixture
into the authors' own network with strict=True, compares its forward with the float64 reference,
and checks the XL/2 key layout against theirs; it prints what it found. A rerun gives the same
values (the legacy files' bytes differ: torch names their storages by object id).

Files (TINY = 8×8×2 images, patch 2, D = 8, 2 heads, depth 3 with 1-block heads, 3 classes):
  port_tiny_zip.pth        zip format, float32: the full state dict (v_heads included), flat,
                           keys `net.…` with `._flax_linear.` — iMeanFlow's layout with the v-head
  port_tiny_legacy.pth     the same tensors in the legacy format (_use_new_zipfile_serialization=False)
  port_tiny_eval_bf16.pth  zip, bfloat16: the released files' exact layout (no net.v_heads.*,
                           net.v_final_layer.* present), weights rounded to bfloat16
  port_tiny_v1.bin         inputs and expected outputs, in make_fixture.py's format (TorchFixture.java):
                             config int32[8] (Java ModelConfig order), x f32[B,H,W,C] (NHWC),
                             h, omega, t_min, t_max f32[B], labels int32[B] (label 3 = null class),
                             u, v f32[B,H,W,C]: float64 forward of the float32 weights, rounded;
                             u_bf16 f32[B,H,W,C]: float64 forward of the bfloat16 weights (u-head only)
  port_keys_xl2.pth        zip: every key and shape of the port's XL/2 inference model, each tensor a
                           stride-0 view of one shared 1-element storage (so the file stays ~70 kB)
  pth_cases_zip.pth, pth_cases_legacy.pth
                           reader cases: {'model': {f32 [2,3] = arange, 'bf16', 'f16', 'f64',
                           'view_t' (transposed view of f32), 'slice' (storage offset 4), 'param'
                           (nn.Parameter), 'scalar' (0-d), 'i64'}, 'epoch': 7, 'args': Namespace}
"""
import argparse
import collections
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imf_port as ip  # noqa: E402
import imf_torch as it  # noqa: E402
from make_fixture import write_fixture, f32, i32  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "src", "test", "resources", "fixtures", "pth")
TINY = it.Config(8, 2, 3, 8, 3, 2, 1, 2)
XL2 = it.Config(32, 4, 1000, 1024, 48, 16, 8, 2)
B = 3
PERTURB = 0.2


def tiny_model():
    torch.manual_seed(20261130)
    model = ip.port_twin(TINY)
    # every tensor perturbed (zero-initialised gates and final layers too), then held as float32
    with torch.no_grad():
        for p in model.parameters():
            p.add_(PERTURB * torch.randn_like(p))
    return model.float()


def inputs():
    g = torch.Generator().manual_seed(11)
    x = torch.randn(B, TINY.image_size, TINY.image_size, TINY.channels, generator=g).float()
    h = torch.tensor([0.0, 0.37, 1.0])
    omega = torch.tensor([1.0, 2.5, 6.0])
    t_min = torch.tensor([0.0, 0.2, 0.4])
    t_max = torch.tensor([1.0, 0.8, 0.65])
    labels = torch.tensor([0, 2, TINY.classes])  # the last one is the null class
    return x, h, omega, t_min, t_max, labels


def reference(sd, cfg, args):
    """Float64 forward of imf_torch's network on the weights of state dict `sd` (port names)."""
    model = ip.port_twin(cfg, eval_mode=not any(k.startswith("net.v_heads.") for k in sd))
    model.load_state_dict(sd, strict=True)
    model = model.double()
    x, h, omega, t_min, t_max, labels = args
    with torch.no_grad():
        return model.net(x.double(), h.double(), omega.double(), t_min.double(), t_max.double(), labels)


def save(obj, path, legacy=False):
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


def xl2_layout(port_repo):
    """The port's XL/2 inference keys and shapes: from the authors' network when given, else the twin."""
    if port_repo:
        sd = ip.port_network(port_repo, XL2, eval_mode=True).state_dict()
    else:
        sd = ip.eval_state_dict(ip.port_twin(XL2).state_dict())
    return collections.OrderedDict((k, tuple(v.shape)) for k, v in sd.items())


def cases():
    base = torch.arange(12, dtype=torch.float32)
    m = collections.OrderedDict()
    m["f32"] = base[:6].clone().reshape(2, 3)
    m["bf16"] = torch.tensor([1.5, -2.25, 3.0e-3], dtype=torch.bfloat16)
    m["f16"] = torch.tensor([0.5, -65504.0, 6.1035e-05], dtype=torch.float16)
    m["f64"] = torch.tensor([[1.0 / 3.0, -2.5]], dtype=torch.float64)
    m["view_t"] = m["f32"].t()  # shares f32's storage, strides (1, 3)
    m["slice"] = base.reshape(3, 4)[1:3, 1:3]  # storage offset 5, strides (4, 1); its storage is base's
    m["param"] = torch.nn.Parameter(torch.tensor([7.0, 8.0]))
    m["scalar"] = torch.tensor(4.5)
    m["i64"] = torch.tensor([1, 2, 3])
    return {"model": m, "epoch": 7, "args": argparse.Namespace(lr=0.1, name="x")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-repo", help="a checkout of github.com/Lyy-iiis/imeanflow, branch torch, for the cross-checks")
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)  # noqa: E731

    full = tiny_model().state_dict()
    released = collections.OrderedDict((k, v.to(torch.bfloat16)) for k, v in ip.eval_state_dict(full).items())
    save(full, p("port_tiny_zip.pth"))
    save(full, p("port_tiny_legacy.pth"), legacy=True)
    save(released, p("port_tiny_eval_bf16.pth"))

    args = inputs()
    u, v = reference(full, TINY, args)
    u_bf16, _ = reference(collections.OrderedDict((k, t.float()) for k, t in released.items()), TINY, args)
    x, h, omega, t_min, t_max, labels = args
    write_fixture(p("port_tiny_v1.bin"), [
        ("config", i32(TINY.as_list())), ("x", f32(x)), ("h", f32(h)), ("omega", f32(omega)),
        ("t_min", f32(t_min)), ("t_max", f32(t_max)), ("labels", i32(labels)),
        ("u", f32(u)), ("v", f32(v)), ("u_bf16", f32(u_bf16)),
    ])
    print(f"wrote {os.path.relpath(p('port_tiny_v1.bin'))}: |u| {u.norm():.4f}, |v| {v.norm():.4f}, |u_bf16| {u_bf16.norm():.4f}")

    layout = xl2_layout(a.port_repo)
    one = torch.zeros(1)
    save(collections.OrderedDict((k, one.expand(*s)) for k, s in layout.items()), p("port_keys_xl2.pth"))
    print(f"XL/2 layout: {len(layout)} tensors, {sum(int(np.prod(s)) for s in layout.values()):,} parameters"
          f" ({'the authors network' if a.port_repo else 'the twin'})")

    save(cases(), p("pth_cases_zip.pth"))
    save(cases(), p("pth_cases_legacy.pth"), legacy=True)

    if a.port_repo:
        cross_check(a.port_repo, a.out, args, u, v, u_bf16, layout)


def cross_check(repo, out, args, u, v, u_bf16, layout):
    """The fixtures against the authors' own network (float32), and the twin's key layout against theirs."""
    for name, path, eval_mode, want in (("zip", "port_tiny_zip.pth", False, (u, v)),
                                        ("legacy", "port_tiny_legacy.pth", False, (u, v)),
                                        ("eval bf16", "port_tiny_eval_bf16.pth", True, (u_bf16, None))):
        model = ip.port_network(repo, TINY, eval_mode)
        sd = torch.load(os.path.join(out, path))
        model.load_state_dict(sd, strict=True)  # raises on any missing or unexpected key
        pu, pv = ip.port_forward(model, *args)
        msg = f"authors' network, {name}: load_state_dict(strict=True) ok ({len(sd)} tensors); u rel {ip.rel(pu, want[0]):.2e}"
        if want[1] is not None:
            msg += f", v rel {ip.rel(pv, want[1]):.2e}"
        print(msg + " (float32 vs the float64 reference)")
    twin = ip.eval_state_dict(ip.port_twin(XL2).state_dict())
    same = set(twin) == set(layout) and all(tuple(twin[k].shape) == s for k, s in layout.items())
    print(f"XL/2: the twin's keys and shapes {'equal' if same else 'DIFFER FROM'} the authors' ({len(layout)} tensors;"
          f" same order: {list(twin) == list(layout)})")


if __name__ == "__main__":
    main()
