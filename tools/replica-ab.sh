#!/usr/bin/env bash
# The CPU training step as one copy of the model (A) against replicas (B: ReplicaOptions, the default of train
# and bench on the CPU), one build, one JVM, alternating step by step (tools/replica-ab/ReplicaAb.java).
#   tools/replica-ab.sh [JAR]        (default target/imf-engine.jar)
# JAVA_OPTS passes -Dpreset= (xs) -Dbatch= -Dthreads= -Dreplicas= -Dwarmup= (3) -Dpairs= (20). Prints each pair and B/A.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
. tools/run-with-jar.sh
JVM_FLAGS=-Xmx12g run_with_jar tools/replica-ab/ReplicaAb.java ReplicaAb "${1:-target/imf-engine.jar}"
