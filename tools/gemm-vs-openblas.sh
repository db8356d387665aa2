#!/usr/bin/env bash
# The engine's CPU GEMM vs OpenBLAS (torch.mm), alternating call batches in two live processes
# (tools/gemm-vs-openblas.py): the iMF xs/s GEMM shapes and 1024³, median of paired ratios.
#   tools/gemm-vs-openblas.sh [--rounds N] [--threads T] [--only 1024]   (needs target/imf-engine.jar and /usr/bin/python3 with torch)
# OpenBLAS runs the kernel set it detects (tools/openblas-core.sh: an inherited OPENBLAS_CORETYPE is cleared; BLAS_CORE=NAME forces one).
# JAVA_OPTS passes other -D options to the Java side.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
PY=${PY:-/usr/bin/python3}
jar=target/imf-engine.jar
[ -f "$jar" ] || { echo "gemm-vs-openblas: $jar missing (make build)" >&2; exit 1; }
"$PY" -c 'import torch' 2>/dev/null || { echo "gemm-vs-openblas: $PY has no torch (apt-get install python3-torch libopenblas0-openmp)" >&2; exit 1; }
. tools/openblas-core.sh
openblas_core "$PY"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$JAVA_HOME/bin/javac" --add-modules=jdk.incubator.vector -cp "$jar" -d "$work" tools/gemm-ab/GemmServe.java 2>&1 \
  | { grep -v -E 'incubating|^1 warning' || true; }
"$PY" tools/gemm-vs-openblas.py "$@" --java "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} \
  -cp "$jar:$work" imfengine.backend.cpu.GemmServe
