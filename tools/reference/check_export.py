"""Loads a file written by `imf-engine export` into the authors' PyTorch port with strict=True.

    /usr/bin/python3 tools/reference/check_export.py EXPORT.safetensors [--port-repo DIR]

--port-repo: a checkout of github.com/Lyy-iiis/imeanflow, branch torch; the file then goes into the
authors' own imfDiT (under `net`, as their iMeanFlow holds it; eval_mode as the export's layout).
Without it, into imf_port.port_twin, a module tree with the port's names. The size comes from the
export's metadata. load_state_dict(strict=True) raises on any missing or unexpected key or shape;
the script then runs one forward of the loaded network against imf_torch's float64 forward of the
same weights and prints both checks.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imf_port as ip  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("--port-repo")
    a = ap.parse_args()
    sd, meta = ip.read_safetensors(a.export)
    cfg = ip.config_of(meta)
    eval_mode = meta.get("layout", "eval") == "eval"
    if a.port_repo:
        model, what = ip.port_network(a.port_repo, cfg, eval_mode), "the authors' imfDiT"
    else:
        model, what = ip.port_twin(cfg, eval_mode), "imf_port.port_twin (the port's names)"
    model.load_state_dict(sd, strict=True)
    print(f"{os.path.basename(a.export)}: load_state_dict(strict=True) into {what} (eval_mode={eval_mode}, "
          f"preset {meta.get('preset')}, {meta.get('weights')} weights): ok, {len(sd)} tensors, "
          f"{sum(t.numel() for t in sd.values()):,} parameters")

    g = torch.Generator().manual_seed(0)
    b = 4
    x = torch.randn(b, cfg.image_size, cfg.image_size, cfg.channels, generator=g)
    h, omega = torch.tensor([1.0, 1.0, 0.5, 0.0]), torch.tensor([1.0, 2.0, 3.0, 4.0])
    t_min, t_max = torch.tensor([0.0, 0.1, 0.2, 0.3]), torch.tensor([1.0, 0.9, 0.8, 0.7])
    y = torch.tensor([0, 1, cfg.classes - 1, cfg.classes])
    if a.port_repo:
        u, _ = ip.port_forward(model, x, h, omega, t_min, t_max, y)
    else:
        with torch.no_grad():
            u, _ = model.float().net(x, h, omega, t_min, t_max, y)
    ref = ip.port_twin(cfg, eval_mode)
    ref.load_state_dict(sd, strict=True)
    ref = ref.double()
    with torch.no_grad():
        u64, _ = ref.net(x.double(), h.double(), omega.double(), t_min.double(), t_max.double(), y)
    print(f"u of the loaded network (float32) vs imf_torch float64: relative difference {ip.rel(u, u64):.2e} (|u| = {u64.norm():.3f})")


if __name__ == "__main__":
    main()
