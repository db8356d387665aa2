#!/usr/bin/env bash
# An n³ GEMM (default 1024) on one thread alone, as two one-thread products at once, and as one two-thread call, in
# turn (tools/gemm-cores/GemmCores.java): whether two threads lose to the split or to each core slowing the other.
#   tools/gemm-cores.sh [JAR]        (default target/imf-engine.jar)
# JAVA_OPTS passes -Dn= (1024) -Drounds= (6) and the engine's -Dimf.gemm.blocks= etc.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
jar=$(realpath "${1:-target/imf-engine.jar}")
work=$(mktemp -d)
trap "rm -rf '$work'" EXIT
"$JAVA_HOME/bin/javac" --add-modules=jdk.incubator.vector -cp "$jar" -d "$work" tools/gemm-cores/GemmCores.java 2>&1 \
  | { grep -v -E 'incubating|^1 warning' || true; }
"$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector ${JAVA_OPTS:-} -cp "$work:$jar" imfengine.backend.cpu.GemmCores 2>&1 \
  | grep -v 'WARNING: Using incubator modules'
