#!/usr/bin/env python3
"""Engine GEMM vs OpenBLAS (torch.mm, 2 threads unless --threads), alternating call batch by call batch.

On a shared host whose speed drifts within seconds, timing one library for a minute and then the other
compares two different machines. Here a Java process (tools/gemm-ab/GemmServe.java, started by
tools/gemm-vs-openblas.sh) and torch take turns: per round and shape, each side runs about 0.1 s of calls
(which side goes first alternates), and the ratio of that pair is kept. Prints per shape the median GFLOP/s
of each side and the median of the paired ratios (Java / OpenBLAS, higher is faster for Java).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "pytorch"))
import imf_step_bench  # noqa: E402  (the shapes its --what gemm times, and imf_torch's presets)


def xs_s_shapes():
    """(preset, m, n, k, N|T) of the xs (batch 128) and s (batch 64) step GEMMs, then the 1024³ square once."""
    out, square = [], []
    for name, batch in (("xs", 128), ("s", 64)):
        for _, m, n, k, at in imf_step_bench.gemm_shapes(imf_step_bench.it.PRESETS[name], batch):
            if (m, n, k) == (1024, 1024, 1024):
                square = [("square", m, n, k, "T" if at else "N")]
            else:
                out.append((name, m, n, k, "T" if at else "N"))
    return out + square


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--threads", type=int, default=2, help="threads of both sides (the .sh passes it to Java as -Dthreads)")
    ap.add_argument("--only", default="", help="time only the shapes whose 'm,n,k,N|T' contains this text, e.g. 1024")
    ap.add_argument("--java", nargs=argparse.REMAINDER, required=True, help="the command that starts GemmServe (the rest of the line)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    java = subprocess.Popen(args.java[:1] + ["-Dthreads=%d" % args.threads] + args.java[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def java_gflops(m, n, k, ta, reps):
        java.stdin.write("%d %d %d %s N %d\n" % (m, n, k, ta, reps))
        java.stdin.flush()
        line = java.stdout.readline()
        if not line:
            sys.exit("gemm-vs-openblas: the Java side exited")
        return float(line)

    operands = {}

    def torch_gflops(m, n, k, ta, reps):
        key = (m, n, k, ta)
        if key not in operands:
            a = torch.rand(k, m) - 0.5 if ta == "T" else torch.rand(m, k) - 0.5
            operands[key] = (a.t() if ta == "T" else a, torch.rand(k, n) - 0.5)
        a, b = operands[key]
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        return 2.0 * m * n * k * reps / (time.perf_counter() - t0) / 1e9

    shapes = [s for s in xs_s_shapes() if args.only in "%d,%d,%d,%s" % s[1:]]
    if not shapes:
        sys.exit("gemm-vs-openblas: no shape matches --only %s" % args.only)
    reps = {s: max(2, int(0.1 * 120e9 / (2.0 * s[1] * s[2] * s[3]))) for s in shapes}  # ~0.1 s at 120 GFLOP/s
    for s in shapes:  # warm-up: JIT and caches
        for _ in range(3):
            java_gflops(*s[1:], reps[s])
            torch_gflops(*s[1:], reps[s])
    res = {s: ([], []) for s in shapes}
    for r in range(args.rounds):
        for s in shapes:
            if r % 2 == 0:
                j = java_gflops(*s[1:], reps[s]); t = torch_gflops(*s[1:], reps[s])
            else:
                t = torch_gflops(*s[1:], reps[s]); j = java_gflops(*s[1:], reps[s])
            res[s][0].append(j)
            res[s][1].append(t)
    java.stdin.close()
    java.wait()
    print("%-7s %-24s %10s %10s %8s %12s" % ("preset", "m,n,k,opA", "java_GF/s", "blas_GF/s", "ratio", "ratio range"))
    for s in shapes:
        j, t = res[s]
        ratios = sorted(a / b for a, b in zip(j, t))
        print("%-7s %-24s %10.1f %10.1f %8.2f %5.2f-%.2f" % (s[0], "%d,%d,%d,%s" % s[1:], statistics.median(j),
              statistics.median(t), statistics.median(ratios), ratios[0], ratios[-1]))
    print("ratio = median over %d rounds of Java/OpenBLAS GFLOP/s in the same round, back to back (higher is faster; the goal: >= 0.9); %s UTC"
          % (args.rounds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())))


if __name__ == "__main__":
    main()
