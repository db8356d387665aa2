#!/bin/bash
# The ω × guidance-interval sweep of docs/SAMPLING.md: `eval` (class accuracy of 1-NFE samples read by
# an MLP trained on the real digits) on one checkpoint for each ω and interval, all from the same noise
# (eval's --seed), so the cells differ by the guidance alone. Prints a markdown table on stdout and
# each eval line on stderr.
# usage: bash tools/guidance-sweep.sh [CHECKPOINT] [PER_CLASS] [SEED]
#   defaults: runs/xs/checkpoint.safetensors 100 0
set -eu
cd "$(dirname "$0")/.."
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
CKPT=${1:-runs/xs/checkpoint.safetensors}
PER_CLASS=${2:-100}
SEED=${3:-0}
OMEGAS="1 1.5 2 3 4"
INTERVALS="0,1 0.1,0.9 0.2,0.8 0.3,0.7"
printf '| ω |'; for i in $INTERVALS; do printf ' [%s] |' "${i/,/, }"; done; echo
printf '|---|'; for i in $INTERVALS; do printf -- '---|'; done; echo
for w in $OMEGAS; do
  printf '| %s |' "$w"
  for i in $INTERVALS; do
    line=$($J -jar target/imf-engine.jar eval --checkpoint "$CKPT" --omega "$w" --interval "$i" --per-class "$PER_CLASS" --seed "$SEED" 2>/dev/null \
      | grep 'generated digits')
    echo "omega $w interval $i: $line" >&2
    printf ' %s |' "$(sed -E 's/.*: +([0-9.]+%).*/\1/' <<< "$line")"
  done
  echo
done
