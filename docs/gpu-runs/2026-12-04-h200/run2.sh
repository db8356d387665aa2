#!/bin/bash
# Second run of 2026-12-04, after run.sh: the nccl stage again with NcclDeviceTest's out-of-place check as ncclSum
# (run.sh met NCCL 2.28.3's 1-rank ncclAvg bug, NVIDIA/nccl#1950), the loss curves again with their CSVs and SVG
# kept (run.sh's archive was too large to come back), and PyTorch's 1-NFE sampling of B/2 at batch 256 in bf16.
set -u
B=bundle
PY=${PYTHON:-/opt/torch/.venv/bin/python3}; [ -x "$PY" ] || PY=python3
W=/tmp/imf-check2; rm -rf $W; mkdir -p $W
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
{
echo "run2.sh start $(date -u +%FT%TZ) on $(hostname)"
t 200 env PYTHON=$PY bash $B/gpu-check.sh --out $W/check --stages environment,nccl,losscurve --budget 180 > $W/console.txt
sed -n '/==== summary/,$p' $W/check/gpu-check.log
grep -h "NCCL\|rel err" $W/check/stages/nccl.out 2>/dev/null | head -5
t 60 $PY $B/pytorch/imf_step_bench.py --device cuda --precision bf16 --preset B/2 --what sample --batch 256 --warmup 2 --repeats 10
echo "run2.sh end $(date -u +%FT%TZ)"
} 2>&1 | tee $OUT/run2.log
cp $W/check/gpu-check.json $W/check/gpu-check.log $OUT/ 2>/dev/null
cp $W/check/losscurve/loss-curves.svg $W/check/losscurve/fp32.csv $W/check/losscurve/bf16.csv $OUT/ 2>/dev/null
ls -la $OUT
