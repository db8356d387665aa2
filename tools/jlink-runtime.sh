#!/usr/bin/env bash
# A jlink runtime for the engine's jar with the JVM options it needs baked in, so that a plain
# `RT/bin/java -jar imf-engine.jar` runs the Vector API kernels without a re-launch (BUILD_NOTES §1, §5).
# Usage: tools/jlink-runtime.sh JAR OUT_DIR [EXTRA_MODULES]   (used by app-image.sh and gpu-bundle.sh)
# Modules: what jdeps finds in the jar (jdk.unsupported comes with the signal handling), plus java.logging
# (JCuda's native loader uses java.util.logging, which jdeps misses behind the shaded classes) and
# jdk.incubator.vector, plus EXTRA_MODULES (comma-separated). An OUT_DIR built from the same JDK and modules
# is kept as it is (the runtime does not depend on the jar's own classes).
set -euo pipefail
: "${JAVA_HOME:?JAVA_HOME must point at a JDK 25}"
jar=$1 out=$2 extra=${3:-}
options="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
mods=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 "$jar")
mods=$(echo "$mods,java.base,java.logging,jdk.incubator.vector${extra:+,$extra}" | tr ',' '\n' | sort -u | paste -sd, -)
stamp="$(grep '^JAVA_VERSION=' "$JAVA_HOME/release") $JAVA_HOME modules=$mods options=$options"
if [ -x "$out/bin/java" ] && [ "$(cat "$out/.imf-runtime" 2>/dev/null)" = "$stamp" ]; then
  echo "jlink runtime $out: up to date ($mods)"
  exit 0
fi
echo "jlink modules: $mods"
rm -rf "$out"
"$JAVA_HOME/bin/jlink" --add-modules "$mods" --strip-debug --no-header-files --no-man-pages --compress=zip-9 \
  --add-options="$options" --output "$out"
echo "$stamp" > "$out/.imf-runtime"
