"""Attention and its tangent (forward-mode JVP) in PyTorch on a GPU: the baseline of the issue "GPU speed".

    python3 bench/pytorch/attention_jvp_bench.py [--batch 256 --heads 12 --len 276 --dim 64] [--dtype bf16|fp32|tf32]

Forward-mode AD cannot go through scaled_dot_product_attention's fused kernels, so a MeanFlow-style trainer
runs the math path: softmax(Q·Kᵀ/√d)·V with its tangent by torch.func.jvp. Timed with CUDA events, median of
--repeats after --warmup; the primal alone through the same math path and through SDPA for reference.
Prints one JSON line per measurement.
"""
import argparse
import json
import math
import statistics

import torch
import torch.nn.functional as F


def math_attention(q, k, v):
    s = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(q.shape[-1]))
    return torch.matmul(torch.softmax(s.float(), dim=-1).to(q.dtype), v)


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--len", type=int, default=276)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--dtype", choices=["bf16", "fp32", "tf32"], default="bf16")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.dtype == "tf32"
    dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    g = torch.Generator(device="cuda").manual_seed(0)
    shape = (a.batch, a.heads, a.len, a.dim)
    q, k, v, dq, dk, dv = (torch.randn(shape, device="cuda", dtype=dt, generator=g) for _ in range(6))
    flops_primal = 4.0 * a.batch * a.heads * a.len * a.len * a.dim
    with torch.no_grad():
        rows = {
            "math_primal": lambda: math_attention(q, k, v),
            "math_jvp": lambda: torch.func.jvp(math_attention, (q, k, v), (dq, dk, dv)),
            "sdpa_primal": lambda: F.scaled_dot_product_attention(q, k, v),
        }
        for name, fn in rows.items():
            try:
                med, best = timed(fn, a.warmup, a.repeats)
                rec = {"what": name, "median_ms": round(med, 4), "min_ms": round(best, 4)}
            except Exception as e:  # noqa: BLE001 (a row that fails is reported, the next one runs)
                rec = {"what": name, "error": f"{type(e).__name__}: {e}"[:300]}
            rec.update(dtype=a.dtype, batch=a.batch, heads=a.heads, len=a.len, dim=a.dim,
                       primal_gflop=round(flops_primal / 1e9, 2), torch=torch.__version__,
                       gpu=torch.cuda.get_device_name())
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
