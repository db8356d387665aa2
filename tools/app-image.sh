#!/usr/bin/env bash
# The engine with its own Java runtime, so that it needs no system Java at all (made by `make build`):
#   OUT_DIR/bin/imf-engine      the command (link it onto your PATH if you like)
#   OUT_DIR/lib/imf-engine.jar  the fat jar
#   OUT_DIR/rt/                 jlink runtime: JDK 25, Vector API and native access baked in (tools/jlink-runtime.sh)
# Usage: tools/app-image.sh JAR OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$1 out=$2
mkdir -p "$out/bin" "$out/lib"
bash tools/jlink-runtime.sh "$jar" "$out/rt"
cp "$jar" "$out/lib/imf-engine.jar"
cat > "$out/bin/imf-engine" <<'SCRIPT'
#!/bin/sh
# imf-engine on its own Java runtime (../rt: JDK 25 with the Vector API and native access baked in).
# JVM options, e.g. a larger heap: JAVA_OPTS=-Xmx8g imf-engine train ...
self=$(readlink -f "$0" 2>/dev/null || echo "$0")
home=$(cd "$(dirname "$self")/.." && pwd)
# shellcheck disable=SC2086  # JAVA_OPTS holds several options
exec "$home/rt/bin/java" $JAVA_OPTS -jar "$home/lib/imf-engine.jar" "$@"
SCRIPT
chmod +x "$out/bin/imf-engine"
smoke=$("$out/bin/imf-engine" --help 2>&1) || { echo "$smoke" >&2; echo "$out/bin/imf-engine does not start" >&2; exit 1; }
echo "$out/bin/imf-engine ready ($(du -sh "$out" | cut -f1) with its runtime)"
