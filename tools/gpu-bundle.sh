#!/usr/bin/env bash
# Builds bundle/: a self-contained GPU check for an x86-64 CUDA machine with no Java and no network.
#   bundle/rt/                      jlink runtime (JDK 25; Vector API and native access baked in)
#   bundle/imf-engine.jar           the fat jar, PTX kernels included
#   bundle/imf-engine-tests.jar     the test classes (the gpu-tagged parity suite and its helpers)
#   bundle/junit-console.jar        junit-platform-console-standalone (runs the suite)
#   bundle/gpu-check.sh             parity suite, then B/2 step and 1-NFE sampling timings
# Usage: tools/gpu-bundle.sh BUILD_DIR   (run by `make gpu-bundle`, after the Maven package)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-target}
JUNIT_CONSOLE=org.junit.platform:junit-platform-console-standalone:${JUNIT_CONSOLE_VERSION:-1.14.4}
: "${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"

rm -rf bundle
mkdir -p bundle
cp "$BUILD_DIR/imf-engine.jar" bundle/imf-engine.jar
"$JAVA_HOME/bin/jar" --create --file bundle/imf-engine-tests.jar -C "$BUILD_DIR/test-classes" .
mvn -B -ntp -q dependency:copy -Dartifact="$JUNIT_CONSOLE" -DoutputDirectory=bundle/.dl
mv bundle/.dl/junit-platform-console-standalone-*.jar bundle/junit-console.jar
rm -rf bundle/.dl

# The runtime: tools/jlink-runtime.sh, plus jdk.zipfs (the JUnit console scans the tests jar through the "jar" file
# system). jdeps also names java.sql for the JUnit console, only for its optional java.sql argument converters,
# which the suite does not use; leaving it out keeps the runtime 4 MiB smaller.
bash tools/jlink-runtime.sh bundle/imf-engine.jar bundle/rt jdk.zipfs

cp tools/gpu-check.sh bundle/gpu-check.sh
chmod +x bundle/gpu-check.sh
bytes=$(du -sb bundle | cut -f1)
awk -v b="$bytes" 'BEGIN { printf "bundle/: %d bytes (%.1f MiB)\n", b, b / 1048576 }'
