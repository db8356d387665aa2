#!/usr/bin/env bash
# Java engine vs PyTorch 1.13 on the same machine, alternating: for each preset, Java then PyTorch,
# ROUNDS times (default 2), each the median of 10 timed steps after warm-up; prints every median, the
# Java/PyTorch ratio of the medians over the rounds and the Java runs' %peak as bench prints it (the share
# of the CPU's fp32 peak, measured around the runs), so one run gives every figure issue 13 asks for. Then
# the GEMMs (see gemms below). ONLY=steps or ONLY=gemm runs one part. A run that gives no result (the
# PyTorch script exits on its own BLAS check when the machine is busy) prints nan and the others still count.
# Needs /usr/bin/python3 with torch and OpenBLAS
# (apt-get install python3-torch libopenblas0-openmp); the PyTorch script refuses to run on a slow BLAS. An
# inherited OPENBLAS_CORETYPE is cleared: OpenBLAS runs the kernels it detects (tools/openblas-core.sh; BLAS_CORE forces a set).
# The s preset at batch 64 holds about 2.9 GiB of activations, hence the 8 GiB heap.
# HUGEPAGES=1 gives both steps 2 MiB pages where the kernel's transparent huge pages are in madvise (or always)
# mode: the JVM's heap (-XX:+UseTransparentHugePages) and glibc's malloc under PyTorch
# (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, glibc >= 2.35). Off by default, both sides on 4 KiB pages.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
JAR=target/imf-engine.jar
PY=${PY:-/usr/bin/python3}
ROUNDS=${ROUNDS:-2}
ONLY=${ONLY:-}   # steps or gemm: only that part
case "$ONLY" in ""|steps|gemm) ;; *) echo "bench-compare: ONLY must be steps or gemm, got '$ONLY'" >&2; exit 2;; esac
HUGEPAGES=${HUGEPAGES:-0}
JAVA_PAGES=() TORCH_TUNABLES=${GLIBC_TUNABLES:-}
case "$HUGEPAGES" in
  0) ;;
  1) thp=/sys/kernel/mm/transparent_hugepage/enabled
     grep -qE '\[(madvise|always)\]' "$thp" 2>/dev/null \
       || { echo "bench-compare: HUGEPAGES=1 needs transparent huge pages in madvise or always mode ($thp: $(cat "$thp" 2>/dev/null || echo missing))" >&2; exit 2; }
     JAVA_PAGES=(-XX:+UseTransparentHugePages) TORCH_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1 ;;
  *) echo "bench-compare: HUGEPAGES must be 0 or 1, got '$HUGEPAGES'" >&2; exit 2;;
esac
[ -f "$JAR" ] || { echo "bench-compare: $JAR missing (make build)" >&2; exit 1; }
"$PY" -c 'import torch' 2>/dev/null || { echo "bench-compare: $PY has no torch (apt-get install python3-torch libopenblas0-openmp)" >&2; exit 1; }

java_row() { # preset batch what -> "median_ms %peak" (nothing when the run failed; both marked ! when bench warned of a boxed kernel)
  local row=$([ "$3" = step ] && echo train_step || echo sample_1nfe)
  "$JAVA" --add-modules=jdk.incubator.vector -Xmx8g "${JAVA_PAGES[@]}" -jar "$JAR" bench --preset "$1" --batch "$2" --what "$3" --repeats 10 --warmup 3 2>/dev/null \
    | awk -v r="$row" '$1 == r { ms = $2; share = $7 } /without its intrinsics/ { boxed = "!" } END { if (ms != "") print ms boxed, share boxed }'
}
torch_ms() {
  { GLIBC_TUNABLES=$TORCH_TUNABLES "$PY" bench/pytorch/imf_step_bench.py --preset "$1" --batch "$2" --what "$3" --repeats 10 2>/dev/null || true; } \
    | "$PY" -c 'import json,sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(rows[-1]["median_ms"] if rows and "median_ms" in rows[-1] else "nan")'
}
. tools/openblas-core.sh
openblas_core "$PY"   # before the steps: the PyTorch step runs on the same kernels as the GEMMs
# median of the numbers given, skipping anything else (nan, or bench's "-" for a %peak it could not compute; nan when none)
median() { "$PY" -c 'import math,statistics as s,sys
def num(x):
    try: return float(x)
    except ValueError: return math.nan
v = [f for f in map(num, sys.argv[1:]) if not math.isnan(f)]
print(s.median(v) if v else "nan")' "$@"; }

steps() {
printf '%-6s %-7s %-6s %-32s %-32s %8s  %s\n' preset what batch "java_ms (each round)" "torch_ms (each round)" ratio "java_%peak (each round; median)"
for spec in "xs step 128" "s step 64" "xs sample 128"; do
  set -- $spec
  js=() ts=() jp=()
  for ((round = 0; round < ROUNDS; round++)); do
    read -r ms share <<<"$(java_row "$1" "$3" "$2" || true)"
    js+=("${ms:-nan}"); jp+=("${share:-nan}"); ts+=("$(torch_ms "$1" "$3" "$2")")
  done
  jm=$(median "${js[@]}"); tm=$(median "${ts[@]}")
  ratio=$("$PY" -c "import math; j, t = float('$jm'), float('$tm'); print('nan' if math.isnan(j) or math.isnan(t) else round(j / t, 3))")
  printf '%-6s %-7s %-6s %-32s %-32s %8s  %s; %s\n' "$1" "$2" "$3" "$(IFS=/; echo "${js[*]}")" "$(IFS=/; echo "${ts[*]}")" "$ratio" \
    "$(IFS=/; echo "${jp[*]}")" "$(printf '%.1f' "$(median "${jp[@]}")")"
done
echo "ratio = Java median / PyTorch median (lower is faster; the goals: xs step <= 0.33, s step <= 0.40). java_%peak: bench's %peak column (goal for the steps: >= 50 on AMD, >= 40 on Intel). A Java time marked ! came from a JVM that ran a Vector API kernel without its intrinsics (bench's heap check): shown, not counted. PyTorch: the written-out dual forward (--jvp written); huge pages: $([ "$HUGEPAGES" = 1 ] && echo "both (JVM heap, glibc malloc)" || echo none); $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
[ "$ONLY" = gemm ] || steps

# GEMM: the xs and s Linear-layer shapes and 1024³ against OpenBLAS, the two in live processes taking turns
# call batch by call batch (tools/gemm-vs-openblas.sh), 3·ROUNDS rounds; the ratio is the median of the
# rounds' back-to-back ratios (timing each library for a minute in turn compared two speeds of this host).
# Both sides run at once (idle in turn), so they get the plain java and python, not $JAVA and $PY.
gemms() { PY=/usr/bin/python3 bash tools/gemm-vs-openblas.sh --rounds $((3 * ROUNDS)) 2>&1 | grep -v 'WARNING: Using incubator modules'; }
[ "$ONLY" = steps ] || gemms
