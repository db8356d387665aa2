#!/usr/bin/env bash
# GPU check, run from the bundle on an x86-64 CUDA machine (driver R580+/CUDA 13; no Java or network needed):
#   1. the gpu-tagged parity suite (every CUDA kernel vs the CPU reference, one tiny iMF training step)
#   2. B/2 on 32×32×4 inputs, batch 64 and 256: one training step and 1-NFE sampling, median of 10 after
#      3 warm-up runs (`bench --device cuda`), printed as one table: ms/step, samples/s, achieved TFLOP/s
#      (GEMM + attention work issued, as `bench` counts it).
# Options: REPEATS=10 WARMUP=3 BATCHES="64 256" PRESET=B/2 TF32=false ./gpu-check.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA="$HERE/rt/bin/java"
TMP=$(mktemp -d)                                  # JCuda extracts its native library here, fresh each run
trap 'rm -rf "$TMP"' EXIT
JOPTS=(-Djava.io.tmpdir="$TMP" -Dimf.cuda.tf32="${TF32:-false}")

echo "== parity suite (JUnit tag gpu) =="
"$JAVA" "${JOPTS[@]}" -jar "$HERE/junit-console.jar" execute --disable-banner --details=tree \
  --class-path "$HERE/imf-engine.jar:$HERE/imf-engine-tests.jar" --scan-class-path "$HERE/imf-engine-tests.jar" \
  --include-tag gpu
parity=$?

echo
echo "== timings =="
"$JAVA" "${JOPTS[@]}" -jar "$HERE/imf-engine.jar" info --device cuda || exit 1
rows=()
for b in ${BATCHES:-64 256}; do
  out=$("$JAVA" "${JOPTS[@]}" -jar "$HERE/imf-engine.jar" bench --device cuda --preset "${PRESET:-B/2}" --batch "$b" \
        --repeats "${REPEATS:-10}" --warmup "${WARMUP:-3}" 2>/dev/null) || { echo "bench failed at batch $b"; exit 1; }
  echo "$out" | sed 's/^/  /'
  while read -r what median _min _max sps gflops _peak; do
    case "$what" in train_step|sample_1nfe) rows+=("$b $what $median $sps $gflops");; esac
  done <<< "$out"
done
echo
printf '%-6s %-6s %-12s %10s %12s %10s\n' preset batch what ms/step samples/s TFLOP/s
for r in "${rows[@]}"; do
  set -- $r
  printf '%-6s %-6s %-12s %10s %12s %10.2f\n' "${PRESET:-B/2}" "$1" "$2" "$3" "$4" "$(awk -v g="$5" 'BEGIN { print g / 1000 }')"
done
echo
[ $parity -eq 0 ] && echo "parity suite: passed" || echo "parity suite: FAILED (exit $parity)"
exit $parity
