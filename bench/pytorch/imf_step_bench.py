"""PyTorch timings of the iMF workload, to compare with the Java engine: on the CPU (PyTorch 1.13, float32,
2 threads; `make bench-compare`) or on a CUDA GPU (PyTorch 2.x; the device check, tools/gpu_check.py).

    python3 bench/pytorch/imf_step_bench.py [--device cpu|cuda] [--precision fp32|tf32|bf16]
        [--preset tiny|xs|s|B/2] [--what step|sample|gemm] [--jvp written|forward-ad] [--batch B] [--repeats N] [--warmup N]
        [--max-time S] [--json FILE]

  step    one full iMF training step (IMF_SPEC.md §2): the tape-free v-head forward (torch.no_grad) on 2B
          examples (v_c with ω' folded in, as the Java engine computes it), one dual forward of the network
          on B examples (tangents (v_c, 1) on (z, h)) through the math attention path (softmax(QKᵀ/√d)·V
          written out), backward of the primal, AdamW (β = 0.9, 0.95, wd 0; fused on CUDA when this PyTorch
          has it). Default batch: xs 128, otherwise 64.
          --jvp written (default): the dual forward as an expert writes it for speed (tools/reference/imf_dual.py:
          tangents under no_grad, so none of them is on the backward tape; only for the examples with h ≠ 0 and
          only through the trunk and u-head, as the Java engine does), checked against forward_ad in float64
          before timing. --jvp forward-ad: torch.autograd.forward_ad over everything, as MeanFlow ports do
          (it records the tangents on the tape, and SDPA/flash attention have no forward-mode rule).
  sample  1-NFE sampling throughput (u-head only, no tape), samples/s. Default batch 128.
  gemm    matmul GFLOP/s on the GEMM shapes of the preset's step (M = B·L tokens): the forward
          [M×D]·[D×D], [M×D]·[D×H], [M×H]·[H×D], the weight-gradient Aᵀ·B with k = M, and 1024³.

Precision: fp32 (TF32 off everywhere), tf32 (TF32 tensor-core matmuls, as the engine's --precision tf32),
bf16 (torch.autocast to bfloat16 around the forward passes; parameters, gradients and AdamW stay float32).

Every measurement makes --warmup untimed runs (default 2), then --repeats timed runs (default 10); with
--max-time S a run starts only if it would end within S seconds of the start, judged by the last run (the
first warm-up and the first timed run are always made).
On CUDA each run is bracketed by torch.cuda.synchronize(), and the peak of torch.cuda.max_memory_allocated
and max_memory_reserved over the timed runs is reported. Output: one JSON object per line on stdout
(median/min/max), a readable table on stderr; --json FILE also writes the records (or the error, e.g. out of
memory, with exit code 1) to FILE. On the CPU the script refuses to run (exit 2) when a 1024³ float32 matmul
reaches under 100 GFLOP/s: torch on the reference BLAS (or a machine busy with other work) would make the
comparison meaningless; install `libopenblas0-openmp` (--no-blas-check skips this, for dry runs).
Synthetic data (uniform images in [−1, 1], random labels); the draws follow the spec's laws.
"""
import argparse
import inspect
import json
import math
import os
import resource
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
# imf_torch.py: beside this file in the GPU bundle, in tools/reference/ in the repository
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, "..", "..", "tools", "reference"))
import imf_torch as it  # noqa: E402
import imf_dual  # noqa: E402

THREADS = 2
DUAL_CHECK_TOL = 1e-10
MIN_GFLOPS = 100.0
DEFAULT_BATCH = {"step": {"xs": 128}, "sample": {}, "gemm": {"xs": 128}}
# the spec's step constants (IMF_SPEC.md §2)
P_MEAN, P_STD, DATA_PROPORTION, S_MAX, CLASS_DROPOUT = -0.4, 1.0, 0.5, 7.0, 0.1
GIB = 1024.0 ** 3


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def emit(obj):
    print(json.dumps(obj), flush=True)


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def summary(times_s):
    ms = [1e3 * t for t in times_s]
    return {"runs": len(ms), "median_ms": round(statistics.median(ms), 3), "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


class Runner:
    """Where and how the work runs: the device, the precision, and how runs are timed."""

    def __init__(self, device, precision, warmup, repeats, max_time):
        self.device = torch.device(device)
        self.precision = precision
        self.warmup, self.repeats, self.max_time = warmup, repeats, max_time
        self.warmups_done = 0
        self.cuda = self.device.type == "cuda"
        tf32 = precision == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32  # the engine's cuBLAS TF32 switch; off for fp32 and bf16
        torch.backends.cudnn.allow_tf32 = tf32

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def autocast(self):
        """bf16: autocast around the forward passes; fp32/tf32: nothing."""
        if self.precision != "bf16":
            return _Null()
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)

    def timed(self, fn):
        """Warm-up runs, then timed runs, each synchronised. Under --max-time the first warm-up and the first timed
        run are always made; any other run starts only if it would end in time, judged by the last run."""
        start = time.perf_counter()
        last = 0.0
        self.warmups_done = 0
        while self.warmups_done < self.warmup and (self.warmups_done == 0 or time.perf_counter() - start + last < self.max_time):
            t0 = time.perf_counter()
            fn()
            self.sync()
            last = time.perf_counter() - t0
            self.warmups_done += 1
        if self.cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
        out = []
        while len(out) < self.repeats and (not out or time.perf_counter() - start + last < self.max_time):
            self.sync()
            t0 = time.perf_counter()
            fn()
            self.sync()
            last = time.perf_counter() - t0
            out.append(last)
        return out

    def memory(self):
        if not self.cuda:
            return {"peak_rss_mb": peak_rss_mb()}
        return {"max_memory_allocated_gib": round(torch.cuda.max_memory_allocated(self.device) / GIB, 3),
                "max_memory_reserved_gib": round(torch.cuda.max_memory_reserved(self.device) / GIB, 3)}

    def describe(self):
        d = {"device": self.device.type, "precision": self.precision, "torch": torch.__version__, "warmups": self.warmups_done}
        if self.cuda:
            d["gpu"] = torch.cuda.get_device_name(self.device)
            d["torch_cuda"] = torch.version.cuda
        else:
            d["threads"] = torch.get_num_threads()
        return d


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


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


def draws(b, pixels_shape, device):
    """One step's random draws with the spec's distributions (points 1, 3, 4, 6), on the device."""
    kw = {"device": device}
    s1 = torch.sigmoid(torch.randn(b, **kw) * P_STD + P_MEAN)
    s2 = torch.sigmoid(torch.randn(b, **kw) * P_STD + P_MEAN)
    t, r = torch.maximum(s1, s2), torch.minimum(s1, s2)
    fm = int(math.floor(b * DATA_PROPORTION))
    r[:fm] = t[:fm]
    t_min, t_max = 0.5 * torch.rand(b, **kw), 0.5 + 0.5 * torch.rand(b, **kw)
    t_min[:fm], t_max[:fm] = 0.0, 1.0
    omega = (1 + S_MAX) ** torch.rand(b, **kw)  # β = 1
    n_drop = int((torch.rand(b) < CLASS_DROPOUT).sum())  # drawn on the host: no device synchronisation
    return it.Draws(t=t, r=r, fm_count=fm, noise=torch.randn(pixels_shape, **kw), t_min=t_min, t_max=t_max, omega=omega,
                    drop_count=n_drop)


def adamw(params, device):
    """AdamW as an expert would take it: fused on CUDA where this PyTorch has it (2.x), else the default."""
    params = list(params)  # a second attempt must not find the generator spent
    kw = dict(lr=1e-4, betas=(0.9, 0.95), weight_decay=0.0)
    if device.type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters:
        try:
            return torch.optim.AdamW(params, fused=True, **kw), "fused"
        except (RuntimeError, TypeError, ValueError):
            pass
    return torch.optim.AdamW(params, **kw), "default"


def dual_of(jvp, d):
    """The dual forward the step uses: written out (tangents only where h ≠ 0, nothing of them on the tape) or
    torch.autograd.forward_ad over the whole batch."""
    if jvp == "forward-ad":
        return it.dual_forward
    return lambda *a: imf_dual.dual_forward(*a, tangent_from=d.fm_count)


def bench_step(cfg, name, batch, run, jvp):
    model = it.IMF(cfg, with_v_head=True).to(run.device)
    net = model.net
    opt, kind = adamw(model.parameters(), run.device)
    shape = (batch, cfg.image_size, cfg.image_size, cfg.channels)
    x = 2 * torch.rand(shape, device=run.device) - 1
    y = torch.randint(0, cfg.classes, (batch,), device=run.device)
    losses = []

    def step():
        d = draws(batch, shape, run.device)
        opt.zero_grad(set_to_none=True)
        with run.autocast():
            loss, _ = it.imf_loss(net, x, y, d, guidance="folded", dual=dual_of(jvp, d))
        loss.backward()
        opt.step()
        losses.append(loss.detach())  # read after the timing: no extra synchronisation per step

    times = run.timed(step)
    n_params = sum(p.numel() for p in model.parameters())
    rec = {"what": "train_step", "status": "ok", "preset": name, "batch": batch, **summary(times),
           "samples_per_s": round(batch / (statistics.median(times)), 2), "params": n_params, "tokens": cfg.seq_len,
           "last_loss": round(float(losses[-1]), 5), "adamw": kind,
           "jvp": "torch.autograd.forward_ad" if jvp == "forward-ad" else "written out, h != 0 only, off the tape",
           "attention": "math: softmax(QK^T/sqrt(d))V", **run.memory(), **run.describe()}
    emit(rec)
    return rec


def bench_sample(cfg, name, batch, run):
    net = it.IMF(cfg, with_v_head=False).net.to(run.device)
    with torch.no_grad():  # non-zero final layer so the work is not trivially skippable
        net.u_final_layer.linear.weight.normal_(0, 0.02)
    ones = torch.ones(batch, device=run.device)
    y = torch.randint(0, cfg.classes, (batch,), device=run.device)
    omega, t_min, t_max = (torch.full((batch,), v, device=run.device) for v in (7.5, 0.4, 0.65))

    def sample():
        with torch.no_grad(), run.autocast():
            z = torch.randn(batch, cfg.image_size, cfg.image_size, cfg.channels, device=run.device)
            return z - net(z, ones, omega, t_min, t_max, y, heads="u")[0]  # 1-NFE: x = z − u(z, h = 1)

    times = run.timed(sample)
    s = summary(times)
    rec = {"what": "sample_1nfe", "status": "ok", "preset": name, "batch": batch, **s,
           "samples_per_s": round(batch / (s["median_ms"] / 1e3), 1), **run.memory(), **run.describe()}
    emit(rec)
    return rec


def gemm_shapes(cfg, batch):
    """The step's Linear-layer GEMMs as (label, m, n, k, transposed_a), M = B·L tokens: forward activations·Wᵀ
    as [M×k]·[k×n], weight gradients gᵀ·x with k = M (A stored k×m); then the 1024³ square of the GEMM goal."""
    m, d, hdn = batch * cfg.seq_len, cfg.hidden, cfg.mlp_hidden
    shapes = [(m, d, d, False), (m, hdn, d, False), (m, d, hdn, False), (d, d, m, True), (hdn, d, m, True), (d, hdn, m, True),
              (1024, 1024, 1024, False)]
    return [(f"[{k}x{mm}]^T*[{k}x{n}]" if at else f"[{mm}x{k}]*[{k}x{n}]", mm, n, k, at) for mm, n, k, at in shapes]


def bench_gemm(cfg, name, batch, run):
    dtype = torch.bfloat16 if run.precision == "bf16" else torch.float32
    rate = 200e9 if not run.cuda else 50e12  # a guess of the speed, to size the runs at about 0.1 s
    recs = []
    for label, mm, n, k, at in gemm_shapes(cfg, batch):
        a = torch.randn((k, mm) if at else (mm, k), device=run.device, dtype=dtype)
        b = torch.randn((k, n), device=run.device, dtype=dtype)
        flops = 2.0 * mm * n * k
        inner = max(1, int(rate / flops / 10))
        fn = (lambda: [torch.mm(a.t(), b) for _ in range(inner)]) if at else (lambda: [torch.mm(a, b) for _ in range(inner)])
        times = [t / inner for t in run.timed(fn)]
        s = summary(times)
        rec = {"what": "gemm", "status": "ok", "preset": name, "shape": label, "m": mm, "n": n, "k": k, "transposed_a": at, **s,
               "gflops": round(flops / (s["median_ms"] / 1e3) / 1e9, 1), "gflops_best": round(flops / (s["min_ms"] / 1e3) / 1e9, 1),
               **run.describe()}
        emit(rec)
        recs.append(rec)
    return recs


def write_json(path, obj):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    ap.add_argument("--preset", choices=sorted(it.PRESETS), default="xs")
    ap.add_argument("--what", choices=["step", "sample", "gemm"], default="step")
    ap.add_argument("--jvp", choices=["written", "forward-ad"], default="written",
                    help="step: the written-out dual forward (default) or torch.autograd.forward_ad")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--max-time", type=float, default=float("inf"), help="seconds per measurement (default: no limit)")
    ap.add_argument("--batch", type=int, default=None, help="default: step/gemm xs 128, otherwise 64; sample 128")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the records (or the error) to this file")
    ap.add_argument("--no-blas-check", action="store_true", help="on the CPU, skip the BLAS speed check (dry runs)")
    args = ap.parse_args()
    if args.repeats < 1 or args.warmup < 0:
        ap.error("--repeats must be >= 1 and --warmup >= 0")
    if args.device == "cuda" and not torch.cuda.is_available():
        write_json(args.json, {"status": "error", "error": "--device cuda: torch.cuda.is_available() is False"})
        log("error: --device cuda: torch.cuda.is_available() is False (torch %s, built for CUDA %s)" % (torch.__version__, torch.version.cuda))
        sys.exit(1)
    torch.manual_seed(args.seed)
    if args.device == "cpu":
        torch.set_num_threads(THREADS)
        if not args.no_blas_check:
            blas_check()
    cfg = it.PRESETS[args.preset]
    batch = args.batch or DEFAULT_BATCH[args.what].get(args.preset, 128 if args.what == "sample" else 64)
    run = Runner(args.device, args.precision, args.warmup, args.repeats, args.max_time)
    log(f"torch {torch.__version__}, {args.device}{' (' + torch.cuda.get_device_name() + ')' if run.cuda else ''}, {args.precision}, "
        f"preset {args.preset} (D={cfg.hidden} depth={cfg.depth} heads={cfg.heads} aux={cfg.aux_depth} patch={cfg.patch} "
        f"L={cfg.seq_len}), batch {batch}, {args.repeats} repeats after {args.warmup} warm-ups")
    settings = {"format": 1, "script": "imf_step_bench.py", "what": args.what, "jvp": args.jvp, "preset": args.preset, "batch": batch,
                "device": args.device, "precision": args.precision, "repeats": args.repeats, "warmup": args.warmup,
                "max_time_s": None if math.isinf(args.max_time) else args.max_time}
    try:
        if args.what == "step":
            if args.jvp == "written":
                worst = imf_dual.check()  # float64, tiny model, < 1 s: a wrong tangent rule must not be timed
                if worst > DUAL_CHECK_TOL:
                    raise RuntimeError(f"the written-out dual forward differs from forward_ad by {worst:.2e} (> {DUAL_CHECK_TOL:g})")
                log(f"dual check: written-out dual forward = forward_ad within {worst:.1e} (float64, tiny)")
            r = bench_step(cfg, args.preset, batch, run, args.jvp)
            log(f"{'train step':<28}{'median ms':>12}{'min ms':>10}{'max ms':>10}")
            log(f"{args.preset + ' b' + str(batch):<28}{r['median_ms']:>12.1f}{r['min_ms']:>10.1f}{r['max_ms']:>10.1f}")
            records = [r]
        elif args.what == "sample":
            r = bench_sample(cfg, args.preset, batch, run)
            log(f"{'1-NFE sampling':<28}{'median ms':>12}{'min ms':>10}{'max ms':>10}{'samples/s':>12}")
            log(f"{args.preset + ' b' + str(batch):<28}{r['median_ms']:>12.1f}{r['min_ms']:>10.1f}{r['max_ms']:>10.1f}{r['samples_per_s']:>12.1f}")
            records = [r]
        else:
            records = bench_gemm(cfg, args.preset, batch, run)
            log(f"{'GEMM':<28}{'median ms':>12}{'GFLOP/s':>10}{'best':>10}")
            for r in records:
                log(f"{r['shape']:<28}{r['median_ms']:>12.3f}{r['gflops']:>10.1f}{r['gflops_best']:>10.1f}")
    except (RuntimeError, MemoryError) as e:  # torch.cuda.OutOfMemoryError is a RuntimeError
        why = " ".join(str(e).split())[:500]
        write_json(args.json, {**settings, "status": "error", "error": f"{type(e).__name__}: {why}", **run.memory()})
        log(f"error: {args.what} failed: {type(e).__name__}: {why}")
        sys.exit(1)
    write_json(args.json, {**settings, "status": "ok", "records": records})


if __name__ == "__main__":
    main()
