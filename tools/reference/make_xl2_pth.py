"""An XL/2 checkpoint in the released files' layout, for checking `sample --preset XL/2` at full size.

    /usr/bin/python3 tools/reference/make_xl2_pth.py DIR [--port-repo PORT]

Writes DIR/xl2.pth (torch.save zip, float32, 2.4 GB: the port's inference model, random weights
with the zero-initialised gates and final layers perturbed so u is not trivial) and the float32 u of
that network on one fixed input (DIR/{x,h,w,a,b,y,u}.npy, NHWC). With --port-repo the network is the
authors' own imfDiT, else imf_port.port_twin. tools/reference/Xl2PthCheck.java then loads the file
into the engine and compares its u. Needs about 6 GB of memory.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imf_port as ip  # noqa: E402
import imf_torch as it  # noqa: E402

XL2 = it.Config(32, 4, 1000, 1024, 48, 16, 8, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--port-repo")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    torch.manual_seed(0)
    m = ip.port_network(a.port_repo, XL2, eval_mode=True) if a.port_repo else ip.port_twin(XL2, eval_mode=True)
    with torch.no_grad():
        for n, p in m.named_parameters():
            if "scale" in n or "final_layer" in n:
                p.add_(0.02 * torch.randn_like(p))
    torch.save(m.state_dict(), os.path.join(a.dir, "xl2.pth"))
    g = torch.Generator().manual_seed(1)
    inputs = dict(x=torch.randn(2, 32, 32, 4, generator=g), h=torch.tensor([1.0, 0.5]), w=torch.tensor([8.0, 1.0]),
                  a=torch.tensor([0.42, 0.0]), b=torch.tensor([0.62, 1.0]))
    y = torch.tensor([207, 1000])  # a class and the null class
    if a.port_repo:
        u, _ = ip.port_forward(m, inputs["x"], inputs["h"], inputs["w"], inputs["a"], inputs["b"], y)
    else:
        with torch.no_grad():
            u, _ = m.net(inputs["x"], inputs["h"], inputs["w"], inputs["a"], inputs["b"], y)
    for k, v in dict(inputs, u=u).items():
        np.save(os.path.join(a.dir, k + ".npy"), v.numpy().astype(np.float32))
    np.save(os.path.join(a.dir, "y.npy"), y.numpy().astype(np.int32))
    print(f"wrote {a.dir}/xl2.pth ({os.path.getsize(os.path.join(a.dir, 'xl2.pth')):,} bytes) and u (|u| = {u.norm():.3f})")


if __name__ == "__main__":
    main()
