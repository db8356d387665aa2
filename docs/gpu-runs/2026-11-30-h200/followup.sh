#!/bin/bash
# Follow-up measurements after the device check (2026-11-30): equal memory plan vs PyTorch, TF32 on both
# sides, and reproducibility of a short CUDA training run. Writes into $OUT.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
cd "$(dirname "$0")/../../.."  # the repository root (bundle/ and data/ there)
# 1. the engine without recomputation, as PyTorch runs it (b64), fp32
t 70 $J -Dimf.cuda.tf32=false -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 64 --what step --recompute off --warmup 2 --repeats 8 --max-time 25
# 2. TF32 GEMMs on both sides, b64 (engine with its default memory plan, and without recomputation)
t 60 $J -Dimf.cuda.tf32=true -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 64 --what step --warmup 2 --repeats 8 --max-time 20
t 60 $J -Dimf.cuda.tf32=true -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 64 --what step --recompute off --warmup 2 --repeats 8 --max-time 20
t 60 $PY $B/pytorch/imf_step_bench.py --device cuda --precision tf32 --preset B/2 --batch 64 --what step --warmup 2 --repeats 8 --max-time 20
# 3. PyTorch at batch 128 fp32 (b256 is out of memory on 140 GiB) and the engine there
t 70 $PY $B/pytorch/imf_step_bench.py --device cuda --precision fp32 --preset B/2 --batch 128 --what step --warmup 2 --repeats 5 --max-time 25
t 60 $J -Dimf.cuda.tf32=false -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 128 --what step --recompute off --warmup 2 --repeats 5 --max-time 20
# 4. reproducibility on the card: two identical short xs runs on CUDA, checkpoints compared
for r in a b; do
  t 60 $J -jar $B/imf-engine.jar train --device cuda --preset xs --batch 32 --steps 6 --seed 3 --data data/mnist.bin --out $OUT/repro-$r
done
cmp $OUT/repro-a/checkpoint.safetensors $OUT/repro-b/checkpoint.safetensors && echo "repro: checkpoints byte-identical" || echo "repro: checkpoints differ"
