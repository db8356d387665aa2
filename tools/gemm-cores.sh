#!/usr/bin/env bash
# An n³ GEMM (default 1024) on one thread alone, as two one-thread products at once, and as one two-thread call, in
# turn (tools/gemm-cores/GemmCores.java): whether two threads lose to the split or to each core slowing the other.
#   tools/gemm-cores.sh [JAR]        (default target/imf-engine.jar)
# JAVA_OPTS passes -Dn= (1024) -Drounds= (6) and the engine's -Dimf.gemm.blocks= etc.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
. tools/run-with-jar.sh
run_with_jar tools/gemm-cores/GemmCores.java imfengine.backend.cpu.GemmCores "${1:-target/imf-engine.jar}"
