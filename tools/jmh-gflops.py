#!/usr/bin/env python3
"""Median and range of GemmBench's GFLOP/s per shape from a JMH JSON result (-rf json).

JMH's own score is a mean ± error; on a shared 2-core machine the per-iteration samples are
skewed by other load, so the median and the [min..max] range say more. Usage:
  python3 tools/jmh-gflops.py target/jmh-gemm.json
"""
import json
import statistics
import sys

for path in sys.argv[1:]:
    for r in json.load(open(path)):
        m = r.get("secondaryMetrics", {}).get("gflop")
        if not m:
            continue
        xs = sorted(x for fork in m["rawData"] for x in fork)
        label = r["benchmark"].split(".")[-2] + " " + ",".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        print(f"{label:40s} median {statistics.median(xs):7.1f}  range [{xs[0]:.1f} .. {xs[-1]:.1f}]  n={len(xs)}")
