#!/bin/bash
# The device check of 2026-12-04 (main c5e545b + this folder): the bundle's gpu-check (bf16 by default: parity,
# NCCL, the B/2 table at batch 64 and 256 with sampling, the breakdown, PyTorch bf16 autocast, the fp32/bf16 loss
# curves), then the issue "GPU speed"'s attention figure (engine bf16 flash dual vs PyTorch's JVP through the math
# path) and the engine's b64 step without recomputation (PyTorch keeps every activation).
# Run from the repository root with bundle/ carried; writes run.log, check.tgz and the check's JSON into $OUT.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}; [ -x "$PY" ] || PY=python3
W=/tmp/imf-check; rm -rf $W; mkdir -p $W
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
{
echo "run.sh start $(date -u +%FT%TZ) on $(hostname)"
t 350 env PYTHON=$PY bash $B/gpu-check.sh --out $W/check --budget 330 > $W/check-console.txt
sed -n '/==== summary/,$p' $W/check/gpu-check.log
t 60 $J -jar $B/imf-engine.jar bench --device cuda --precision bf16 --preset B/2 --batch 256 --what attention --warmup 2 --repeats 10 --max-time 15
t 60 $PY bench/pytorch/attention_jvp_bench.py --dtype bf16 --warmup 3 --repeats 20
t 60 $J -jar $B/imf-engine.jar bench --device cuda --precision bf16 --preset B/2 --batch 64 --what step --recompute off --warmup 2 --repeats 8 --max-time 20
echo "run.sh end $(date -u +%FT%TZ)"
} 2>&1 | tee $OUT/run.log
cp $W/check/gpu-check.json $W/check/gpu-check.log $OUT/ 2>/dev/null
cp $W/check/breakdown.json $OUT/ 2>/dev/null
tar czf $OUT/check.tgz -C $W check check-console.txt
ls -la $OUT
