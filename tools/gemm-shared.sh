#!/usr/bin/env bash
# Products that share A (the q, k, v projections of one input): one gemmSharedA call against one gemm call each,
# one build, one JVM, alternating (tools/gemm-shared/GemmShared.java).
#   tools/gemm-shared.sh [JAR] [m,k,n1+n2+... ...]   (default target/imf-engine.jar and the xs and s projections)
# JAVA_OPTS passes -Dthreads= (1: a replica's) -Dcopies= (8) -Drounds= (9). Prints medians and shared/separate.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
jar=${1:-target/imf-engine.jar}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- 2208,96,96+96+96 2208,96,256+256 552,96,96+96+96 552,96,256+256 3456,192,192+192+192 3456,192,512+512
. tools/run-with-jar.sh
run_with_jar tools/gemm-shared/GemmShared.java imfengine.backend.cpu.GemmShared "$jar" "$@"
