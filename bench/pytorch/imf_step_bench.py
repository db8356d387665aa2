"""PyTorch 1.13 (CPU, float32, 2 threads) timings of the iMF workload, to compare with the Java engine.

    /usr/bin/python3 bench/pytorch/imf_step_bench.py [--preset xs|s] [--what step|sample|gemm] [--repeats N] [--batch B]

  step    one full iMF training step (IMF_SPEC.md §2): the tape-free v-head forwards on 2B examples
          and on the ≤ B examples outside their guidance interval, one dual forward of the whole
          network on B examples with torch.autograd.forward_ad (tangents (v_c, 1) on (z, h)),
          backward of the primal, AdamW step (β = 0.9, 0.95, wd 0). Default batch: xs 128, s 64.
  sample  1-NFE sampling throughput (u-head only, no tape), samples/s. Default batch 128.
  gemm    matmul GFLOP/s on the GEMM shapes of the preset's step (M = B·L tokens): the forward
          [M×D]·[D×D], [M×D]·[D×H], [M×H]·[H×D] and the weight-gradient Aᵀ·B with k = M.

Every measurement runs 2 warm-ups, then --repeats timed runs (default 10). Output: one JSON object
per line on stdout (median/min/max), a readable table on stderr. The script refuses to run (exit 2)
when a 1024³ float32 matmul reaches under 100 GFLOP/s: torch on the reference BLAS (or a machine
busy with other work) would make the comparison meaningless. Install `libopenblas0-openmp`.
Synthetic data (uniform images in [−1, 1], random labels); the draws follow the spec's laws.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "reference"))
import imf_torch as it  # noqa: E402

THREADS = 2
MIN_GFLOPS = 100.0
DEFAULT_BATCH = {"step": {"xs": 128, "s": 64}, "sample": {"xs": 128, "s": 128}, "gemm": {"xs": 128, "s": 64}}
# the spec's step constants (IMF_SPEC.md §2)
P_MEAN, P_STD, DATA_PROPORTION, S_MAX, CLASS_DROPOUT = -0.4, 1.0, 0.5, 7.0, 0.1


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def emit(obj):
    print(json.dumps(obj), flush=True)


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def summary(times_s):
    ms = [1e3 * t for t in times_s]
    return {"median_ms": round(statistics.median(ms), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


def timed(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def blas_check():
    """Best of 10 short trials of a 1024³ matmul; refuses below MIN_GFLOPS."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    a @ b
    best = 0.0
    for _ in range(10):
        t0 = time.perf_counter()
        for _ in range(3):
            a @ b
        best = max(best, 3 * 2 * 1024 ** 3 / (time.perf_counter() - t0) / 1e9)
    emit({"what": "blas_check", "shape": [1024, 1024, 1024], "gflops": round(best, 1), "threshold": MIN_GFLOPS,
          "threads": torch.get_num_threads(), "loadavg": [round(x, 2) for x in os.getloadavg()]})
    if best < MIN_GFLOPS:
        log(f"REFUSED: a 1024^3 float32 matmul reaches {best:.1f} GFLOP/s on {THREADS} threads (< {MIN_GFLOPS:.0f}); "
            "torch is on the reference BLAS or the machine is busy. Install libopenblas0-openmp "
            "(update-alternatives libblas.so.3 -> openblas-openmp) and rerun on an idle machine.")
        sys.exit(2)
    log(f"BLAS check: 1024^3 matmul {best:.1f} GFLOP/s (>= {MIN_GFLOPS:.0f})")
    return best


def draws(b, pixels_shape):
    """One step's random draws with the spec's distributions (points 1, 3, 4, 6)."""
    s1 = torch.sigmoid(torch.randn(b) * P_STD + P_MEAN)
    s2 = torch.sigmoid(torch.randn(b) * P_STD + P_MEAN)
    t, r = torch.maximum(s1, s2), torch.minimum(s1, s2)
    fm = int(math.floor(b * DATA_PROPORTION))
    r[:fm] = t[:fm]
    t_min, t_max = 0.5 * torch.rand(b), 0.5 + 0.5 * torch.rand(b)
    t_min[:fm], t_max[:fm] = 0.0, 1.0
    omega = (1 + S_MAX) ** torch.rand(b)  # β = 1
    n_drop = int((torch.rand(b) < CLASS_DROPOUT).sum())
    return it.Draws(t=t, r=r, fm_count=fm, noise=torch.randn(pixels_shape), t_min=t_min, t_max=t_max, omega=omega, drop_count=n_drop)


def bench_step(cfg, name, batch, repeats):
    model = it.IMF(cfg, with_v_head=True)
    net = model.net
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.0)
    shape = (batch, cfg.image_size, cfg.image_size, cfg.channels)
    x = 2 * torch.rand(shape) - 1
    y = torch.randint(0, cfg.classes, (batch,))
    losses = []

    def step():
        d = draws(batch, shape)
        opt.zero_grad(set_to_none=True)
        loss, _ = it.imf_loss(net, x, y, d, only_outside=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    times = timed(step, repeats)
    n_params = sum(p.numel() for p in model.parameters())
    rec = {"what": "train_step", "preset": name, "batch": batch, **summary(times), "params": n_params,
           "tokens": cfg.seq_len, "last_loss": round(losses[-1], 5), "peak_rss_mb": peak_rss_mb()}
    emit(rec)
    return rec


def bench_sample(cfg, name, batch, repeats):
    net = it.IMF(cfg, with_v_head=False).net
    with torch.no_grad():  # non-zero final layer so the work is not trivially skippable
        net.u_final_layer.linear.weight.normal_(0, 0.02)
    ones = torch.ones(batch)
    y = torch.randint(0, cfg.classes, (batch,))
    omega, t_min, t_max = torch.full((batch,), 7.5), torch.full((batch,), 0.4), torch.full((batch,), 0.65)

    def sample():
        with torch.no_grad():
            z = torch.randn(batch, cfg.image_size, cfg.image_size, cfg.channels)
            return z - net(z, ones, omega, t_min, t_max, y, heads="u")[0]  # 1-NFE: x = z − u(z, h = 1)

    times = timed(sample, repeats)
    s = summary(times)
    rec = {"what": "sample_1nfe", "preset": name, "batch": batch, **s, "samples_per_s": round(batch / (s["median_ms"] / 1e3), 1),
           "peak_rss_mb": peak_rss_mb()}
    emit(rec)
    return rec


def bench_gemm(cfg, name, batch, repeats):
    m, d, hdn = batch * cfg.seq_len, cfg.hidden, cfg.mlp_hidden
    # (label, A, B, flops): forward activations·Wᵀ shapes as [M×k]·[k×n]; weight gradients gᵀ·x with k = M
    shapes = [
        (f"[{m}x{d}]*[{d}x{d}]", (m, d), (d, d), False),
        (f"[{m}x{d}]*[{d}x{hdn}]", (m, d), (d, hdn), False),
        (f"[{m}x{hdn}]*[{hdn}x{d}]", (m, hdn), (hdn, d), False),
        (f"[{m}x{d}]^T*[{m}x{d}]", (m, d), (m, d), True),
        (f"[{m}x{hdn}]^T*[{m}x{d}]", (m, hdn), (m, d), True),
        (f"[{m}x{d}]^T*[{m}x{hdn}]", (m, d), (m, hdn), True),
    ]
    recs = []
    for label, sa, sb, at in shapes:
        a, b = torch.randn(sa), torch.randn(sb)
        mm, k, n = (sa[1], sa[0], sb[1]) if at else (sa[0], sa[1], sb[1])
        flops = 2.0 * mm * n * k
        inner = max(1, int(2e9 / flops / 10))  # about 0.1 s per timed run at 200 GFLOP/s
        fn = (lambda: [torch.mm(a.t(), b) for _ in range(inner)]) if at else (lambda: [torch.mm(a, b) for _ in range(inner)])
        times = [t / inner for t in timed(fn, repeats)]
        s = summary(times)
        rec = {"what": "gemm", "preset": name, "shape": label, "m": mm, "n": n, "k": k, "transposed_a": at, **s,
               "gflops": round(flops / (s["median_ms"] / 1e3) / 1e9, 1), "gflops_best": round(flops / (s["min_ms"] / 1e3) / 1e9, 1)}
        emit(rec)
        recs.append(rec)
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", choices=["xs", "s"], default="xs")
    ap.add_argument("--what", choices=["step", "sample", "gemm"], default="step")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--batch", type=int, default=None, help="default: step xs 128 / s 64, sample 128, gemm as step")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    torch.manual_seed(args.seed)
    blas_check()
    cfg = it.PRESETS[args.preset]
    batch = args.batch or DEFAULT_BATCH[args.what][args.preset]
    log(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, preset {args.preset} "
        f"(D={cfg.hidden} depth={cfg.depth} heads={cfg.heads} aux={cfg.aux_depth} patch={cfg.patch} L={cfg.seq_len}), batch {batch}, "
        f"{args.repeats} repeats after 2 warm-ups")
    if args.what == "step":
        r = bench_step(cfg, args.preset, batch, args.repeats)
        log(f"{'train step':<28}{'median ms':>12}{'min ms':>10}{'max ms':>10}")
        log(f"{args.preset + ' b' + str(batch):<28}{r['median_ms']:>12.1f}{r['min_ms']:>10.1f}{r['max_ms']:>10.1f}")
    elif args.what == "sample":
        r = bench_sample(cfg, args.preset, batch, args.repeats)
        log(f"{'1-NFE sampling':<28}{'median ms':>12}{'min ms':>10}{'max ms':>10}{'samples/s':>12}")
        log(f"{args.preset + ' b' + str(batch):<28}{r['median_ms']:>12.1f}{r['min_ms']:>10.1f}{r['max_ms']:>10.1f}{r['samples_per_s']:>12.1f}")
    else:
        rs = bench_gemm(cfg, args.preset, batch, args.repeats)
        log(f"{'GEMM':<28}{'median ms':>12}{'GFLOP/s':>10}{'best':>10}")
        for r in rs:
            log(f"{r['shape']:<28}{r['median_ms']:>12.3f}{r['gflops']:>10.1f}{r['gflops_best']:>10.1f}")


if __name__ == "__main__":
    main()
