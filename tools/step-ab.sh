#!/usr/bin/env bash
# A/B of two builds' CPU training step in one JVM (tools/step-ab/StepAb.java): each jar's step (bench --what
# step's, on a backend of its own) alternates with the other's step by step, so that a shared host's drifting
# speed hits both alike; separate bench runs on such a host differ by more than most changes do.
#   tools/step-ab.sh OLD.jar NEW.jar
# JAVA_OPTS passes -Dpreset= (xs) -Dbatch= -Dthreads= -Dreplicas= (as bench: one per thread at xs and s) -Dwarmup= (3)
# -Drounds= (10), and -Da.props= / -Db.props=
# ("imf.pool.spinMicros=1000": properties each side's classes initialise with; one jar twice compares settings).
# Prints each round and B/A.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}
[ $# -eq 2 ] || { echo "usage: tools/step-ab.sh OLD.jar NEW.jar" >&2; exit 2; }
. tools/ab-in-one-jvm.sh
ab_in_one_jvm tools/step-ab/StepRun.java tools/step-ab/StepAb.java StepAb "$1" "$2"
