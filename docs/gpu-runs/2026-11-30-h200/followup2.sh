#!/bin/bash
# Second follow-up (2026-11-30): PyTorch bf16 autocast (the target of the GPU speed issue) and 1-NFE sampling on both sides.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
cd "$(dirname "$0")/../../.."  # the repository root (bundle/ and data/ there)
t 60 $PY $B/pytorch/imf_step_bench.py --device cuda --precision bf16 --preset B/2 --batch 64 --what step --warmup 2 --repeats 8 --max-time 20
t 70 $PY $B/pytorch/imf_step_bench.py --device cuda --precision bf16 --preset B/2 --batch 128 --what step --warmup 2 --repeats 5 --max-time 25
for p in fp32 tf32 bf16; do
  t 45 $PY $B/pytorch/imf_step_bench.py --device cuda --precision $p --preset B/2 --batch 256 --what sample --warmup 2 --repeats 10 --max-time 15
done
for tf in false true; do
  t 45 $J -Dimf.cuda.tf32=$tf -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 256 --what sample --warmup 2 --repeats 10 --max-time 15
done
