# Sourced by the PyTorch comparisons (bench-compare.sh, gemm-vs-openblas.sh): OpenBLAS runs the kernel set it
# detects for this CPU, as it does for anyone who installs it. An OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE inherited
# from the environment is cleared: these machines set OPENBLAS_CORETYPE=Haswell, which on the AVX-512 Zen 5
# ran torch.mm at 0.55-0.65x of the detected Cooperlake set (1024^3: 190 vs 327-352 GFLOP/s, 2 threads,
# 2026-12-02, docs/PERF.md), a baseline no expert would accept. BLAS_CORE=NAME forces a set (e.g. Haswell).
# Prints the set used on stderr.
openblas_core() { # PY
  local inherited="" detected
  [ -n "${OPENBLAS_CORETYPE:-}" ] && inherited="OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE "
  [ -n "${OPENBLAS_L2_SIZE:-}" ] && inherited="${inherited}OPENBLAS_L2_SIZE=$OPENBLAS_L2_SIZE "
  unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
  [ -n "${BLAS_CORE:-}" ] && export OPENBLAS_CORETYPE=$BLAS_CORE
  detected=$(OPENBLAS_VERBOSE=2 "$1" -c 'import torch' 2>&1 | sed -n 's/^Core: //p' | head -1)
  echo "OpenBLAS: ${detected:-unknown} kernels ($([ -n "${BLAS_CORE:-}" ] && echo "BLAS_CORE" || echo "its own detection")${inherited:+; inherited ${inherited% } cleared})" >&2
}
