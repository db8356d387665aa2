#!/usr/bin/env bash
# A/B of two builds' CPU attention kernels in one JVM, on one thread (tools/attention-ab/AttentionAb.java):
# on a shared host whose speed drifts between runs, alternating calls in one process compares builds where
# separate runs cannot.
#   tools/attention-ab.sh OLD.jar NEW.jar [L,Dh,B,fwd|jvp|bwd ...]   (default: xs and s, all three kernels)
# JAVA_OPTS passes -Drounds=, and -Dcold=true for operands out of the caches at every call (as in the step).
# Prints per-case medians and NEW/OLD.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
[ $# -ge 2 ] || { echo "usage: tools/attention-ab.sh OLD.jar NEW.jar [L,Dh,B,fwd|jvp|bwd ...]" >&2; exit 2; }
a=$1; b=$2; shift 2
[ $# -gt 0 ] || set -- 69,32,16,fwd 69,32,16,jvp 69,32,16,bwd 216,64,4,fwd 216,64,4,jvp 216,64,4,bwd
. tools/ab-in-one-jvm.sh
ab_in_one_jvm tools/attention-ab/AttentionRun.java tools/attention-ab/AttentionAb.java AttentionAb "$a" "$b" "$@"
