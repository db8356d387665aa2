#!/usr/bin/env bash
# A/B of two builds' CPU attention kernels in one JVM, on one thread (tools/attention-ab/AttentionAb.java):
# on a shared host whose speed drifts between runs, alternating calls in one process compares builds where
# separate runs cannot.
#   tools/attention-ab.sh OLD.jar NEW.jar [L,Dh,B,fwd|jvp|bwd ...]   (default: xs and s, all three kernels)
# JAVA_OPTS passes -Drounds=. Prints per-case medians and NEW/OLD.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
[ $# -ge 2 ] || { echo "usage: tools/attention-ab.sh OLD.jar NEW.jar [L,Dh,B,fwd|jvp|bwd ...]" >&2; exit 2; }
a=$(realpath "$1"); b=$(realpath "$2"); shift 2
[ $# -gt 0 ] || set -- 69,32,16,fwd 69,32,16,jvp 69,32,16,bwd 216,64,4,fwd 216,64,4,jvp 216,64,4,bwd
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for side in a b; do
  jar=$([ $side = a ] && echo "$a" || echo "$b")
  "$JAVA_HOME/bin/javac" --add-modules=jdk.incubator.vector -cp "$jar" -d "$work/$side" tools/attention-ab/AttentionRun.java 2>&1 \
    | { grep -v -E 'incubating|^1 warning' || true; }
done
"$JAVA_HOME/bin/javac" -d "$work/main" tools/attention-ab/AttentionAb.java
"$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector ${JAVA_OPTS:-} -cp "$work/main" AttentionAb "$a" "$work/a" "$b" "$work/b" "$@" 2>&1 \
  | grep -v 'WARNING: Using incubator modules'
