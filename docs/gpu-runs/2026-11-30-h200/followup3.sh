#!/bin/bash
# Third run (2026-11-30, main 8efdb23): the bf16 flash attention kernels and the image kernels on the card.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
cd "$(dirname "$0")/../../.."
t 150 bash $B/gpu-check.sh --out $OUT/check3 --stages parity --budget 140
tail -5 $OUT/check3/gpu-check.log
for a in fp32 bf16; do
  t 60 $J -Dimf.cuda.attention=$a -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 256 --what attention --warmup 2 --repeats 10 --max-time 15
done
for p in bf16 fp32; do t 60 $PY bench/pytorch/attention_jvp_bench.py --dtype $p --warmup 3 --repeats 20; done
t 60 $J -Dimf.cuda.tf32=true -Dimf.cuda.attention=bf16 -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 64 --what step --recompute off --warmup 2 --repeats 8 --max-time 20
t 70 $J -Dimf.cuda.tf32=true -Dimf.cuda.attention=bf16 -jar $B/imf-engine.jar bench --device cuda --preset B/2 --batch 256 --what both --warmup 2 --repeats 5 --max-time 25
