#!/usr/bin/env bash
# A/B of two builds' CPU GEMM in one JVM (tools/gemm-ab/GemmAb.java): on a shared host whose speed drifts
# between runs, alternating calls in one process compares builds where separate runs cannot. It times the Vector
# API kernel (GemmPacked) alone, also on a machine where the backend sends most products to AMX (native-cpu/;
# tools/gemm-vs-openblas.sh times what the backend runs).
#   tools/gemm-ab.sh OLD.jar NEW.jar [m,n,k,N|T,N|T ...]      (default: the xs step's GEMM shapes)
# JAVA_OPTS passes -Drounds= -Dcopies= -Dbeta= -Dthreads=, and -Da.props= / -Db.props= ("imf.gemm.blocks=256,128,1024
# imf.gemm.rows=4": properties each side initialises with; one jar twice compares settings). Prints per-shape
# medians and NEW/OLD.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
[ $# -ge 2 ] || { echo "usage: tools/gemm-ab.sh OLD.jar NEW.jar [m,n,k,N|T,N|T ...]" >&2; exit 2; }
a=$1; b=$2; shift 2
[ $# -gt 0 ] || set -- 8832,96,96,N,T 8832,256,96,N,T 8832,96,256,N,T 8832,96,256,N,N 96,96,8832,T,N 256,96,8832,T,N 96,256,8832,T,N
. tools/ab-in-one-jvm.sh
ab_in_one_jvm tools/gemm-ab/GemmRun.java tools/gemm-ab/GemmAb.java GemmAb "$a" "$b" "$@"
