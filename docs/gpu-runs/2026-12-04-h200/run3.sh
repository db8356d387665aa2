#!/bin/bash
# Third run of 2026-12-04: main with the bf16 flash attention backward (ed32f63): parity on the card (the new
# kernels against the CPU within their bf16 bounds), the B/2 table at batch 64 and 256, the breakdown, the loss
# curves, then attention alone (its backward) and the b64 step without recomputation. PyTorch is not rerun: its
# figures of run.sh (b64 281.2 ms, b256 1009.0 ms, same card, same day) are the comparison.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}; [ -x "$PY" ] || PY=python3
W=/tmp/imf-check3; rm -rf $W; mkdir -p $W
t() { local s=$1; shift; echo "=== $* ($(date -u +%T))"; timeout $s "$@" 2>&1 | grep -v 'WARNING: Using incubator'; echo "rc=${PIPESTATUS[0]}"; }
{
echo "run3.sh start $(date -u +%FT%TZ) on $(hostname)"
t 240 env PYTHON=$PY bash $B/gpu-check.sh --out $W/check --stages environment,parity,table,breakdown,losscurve --budget 220 > $W/console.txt
sed -n '/==== summary/,$p' $W/check/gpu-check.log
grep -h "flash attention d" $W/check/parity/*.txt $W/check/stages/parity.out 2>/dev/null | head -20
t 60 $J -jar $B/imf-engine.jar bench --device cuda --precision bf16 --preset B/2 --batch 256 --what attention --warmup 2 --repeats 10 --max-time 15
t 60 $J -jar $B/imf-engine.jar bench --device cuda --precision bf16 --preset B/2 --batch 64 --what step --recompute off --warmup 2 --repeats 8 --max-time 20
echo "run3.sh end $(date -u +%FT%TZ)"
} 2>&1 | tee $OUT/run3.log
cp $W/check/gpu-check.json $W/check/gpu-check.log $W/check/breakdown.json $OUT/ 2>/dev/null
cp $W/check/losscurve/loss-curves.svg $W/check/losscurve/fp32.csv $W/check/losscurve/bf16.csv $OUT/ 2>/dev/null
ls -la $OUT
