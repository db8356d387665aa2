#!/bin/bash
# Fourth run of 2026-12-04 (main ed32f63, the bf16 flash backward): the loss-curve run of the device check, longer
# and with two more seeds, to tell bf16 training from fp32 beyond run3's 300 steps (preset s on the same synthetic
# class patterns, batch 128, 600 steps, seeds 1 and 2, each precision). Writes each run's metrics.jsonl to $OUT.
set -u
B=bundle; J="$B/rt/bin/java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PY=${PYTHON:-/opt/torch/.venv/bin/python3}; [ -x "$PY" ] || PY=python3
W=/tmp/imf-lc; rm -rf $W; mkdir -p $W
{
echo "run4.sh start $(date -u +%FT%TZ)"
$PY -c "import sys; sys.path.insert(0, '$B'); import gpu_check as g; g.synthetic_images('$W', 4096, 28, 1, 10, 0)" || exit 1
for seed in 1 2; do for p in bf16 fp32; do
  echo "=== $p seed $seed ($(date -u +%T))"
  timeout 100 $J -jar $B/imf-engine.jar train --device cuda --precision $p --preset s --data $W/images.npy --labels $W/labels.npy \
    --steps 600 --batch 128 --seed $seed --warmup 20 --checkpoint-every 0 --log-every 100 --out $W/$p-$seed 2>&1 | grep -v 'WARNING: Using incubator'
  cp $W/$p-$seed/metrics.jsonl $OUT/$p-$seed.jsonl
done; done
echo "run4.sh end $(date -u +%FT%TZ)"
} 2>&1 | tee $OUT/run4.log
