#!/usr/bin/env bash
# The device check, from the GPU bundle (make gpu-bundle): environment, the parity suite (each case reported on its
# own, rerun with CUDA_LAUNCH_BLOCKING=1 if anything fails), the B/2 table at batch 64 and 256, a per-kernel-family
# breakdown of one step from CUDA events, the same step in PyTorch, and one short training run in fp32 and in bf16
# (loss curves overlaid in an SVG); under 8 minutes, never stopping early.
# Writes gpu-check.json and gpu-check.log into --out (default: $OUT). Needs python3 (the one with PyTorch), no Java.
#   ./gpu-check.sh --out "$OUT"                 # options: ./gpu-check.sh --help; docs/GPU_CHECK.md explains the output
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "gpu-check.sh: no $PY on PATH (set PYTHON to the Python that has PyTorch)" >&2; exit 2; }
exec "$PY" "$HERE/gpu_check.py" "$@"
