#!/usr/bin/env bash
# Builds bundle/: a self-contained GPU check for an x86-64 CUDA machine with no Java and no network.
#   bundle/rt/                      jlink runtime (JDK 25; Vector API and native access baked in)
#   bundle/imf-engine.jar           the fat jar, PTX kernels included
#   bundle/imf-engine-tests.jar     the test classes (the gpu-tagged parity suite and its helpers)
#   bundle/junit-console.jar        junit-platform-console-standalone (runs the suite; Maven copies it at `package`)
#   bundle/gpu-check.sh             the device check (docs/GPU_CHECK.md): runs gpu_check.py with the machine's python3
#   bundle/gpu_check.py, gpu_check_parse.py, plot_loss_curves.py   its stages, readers and SVG plot (Python standard library only)
#   bundle/pytorch/                 imf_step_bench.py and imf_torch.py: the same step in PyTorch
#   bundle/VERSION                  the commit the bundle was built from
# Usage: tools/gpu-bundle.sh BUILD_DIR   (run by `make gpu-bundle`, after the Maven package)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-target}
: "${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"

rm -rf bundle
mkdir -p bundle
cp "$BUILD_DIR/imf-engine.jar" bundle/imf-engine.jar
"$JAVA_HOME/bin/jar" --create --file bundle/imf-engine-tests.jar -C "$BUILD_DIR/test-classes" .
cp "$BUILD_DIR/junit-console/junit-console.jar" bundle/junit-console.jar

# The runtime: tools/jlink-runtime.sh, plus jdk.zipfs (the JUnit console scans the tests jar through the "jar" file
# system) and java.xml (its --reports-dir XML, which the device check reads). jdeps also names java.sql for the JUnit
# console, only for its optional java.sql argument converters, which the suite does not use; leaving it out keeps
# the runtime 4 MiB smaller.
bash tools/jlink-runtime.sh bundle/imf-engine.jar bundle/rt jdk.zipfs,java.xml

cp tools/gpu-check.sh tools/gpu_check.py tools/gpu_check_parse.py tools/plot_loss_curves.py bundle/
mkdir -p bundle/pytorch
cp bench/pytorch/imf_step_bench.py tools/reference/imf_torch.py tools/reference/imf_dual.py bundle/pytorch/
chmod +x bundle/gpu-check.sh bundle/gpu_check.py
echo "$(git describe --always --dirty 2>/dev/null || echo unknown) built $(date -u +%FT%TZ)" > bundle/VERSION
bytes=$(du -sb bundle | cut -f1)
awk -v b="$bytes" 'BEGIN { printf "bundle/: %d bytes (%.1f MiB)\n", b, b / 1048576 }'
# The device machine takes at most 64 MiB of carried files in all: keep the bundle under 60 MiB
[ "$bytes" -le $((60 * 1048576)) ] || { echo "gpu-bundle: bundle/ is over 60 MiB" >&2; exit 1; }
