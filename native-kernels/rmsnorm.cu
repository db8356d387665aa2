// rmsnorm.cu: RMSNorm over the last axis of x [rows, n], its dual (primal + tangent) and its VJP.
//
// Math (matches backend/cpu/CpuRmsNorm):
//   rmsnorm_fwd     rstd = 1/√(mean(x²) + eps);  y = x·rstd·w                       (y, rstd: =)
//   rmsnorm_jvp     y as above and ty = w·rstd·(tx − x·rstd²·mean(x·tx))             (y, ty, rstd: =)
//   rmsnorm_vjp     dx = rstd·(w·dy − x·rstd²·mean(w·dy·x))                 (dx: = or += when accumulate)
//   rmsnorm_dw_vjp  out[s, j] (= or += when accumulate) Σ_{r in slice s} dy[r, j]·x[r, j]·rstd[r]
// Launch (common.cuh): fwd/jvp/vjp one warp per row for n ≤ ROW_WARP_MAX (block (32, ROW_WARPS), grid
// ceil(rows / ROW_WARPS)), else one block of 256 per row (grid = rows); the host reads both constants below.
// dw: block (COLS_X, COLS_Y) = (32, 8), grid (ceil(n/COLS_X), slices) (shape and slicing read by the host from
// reduction.cu's PTX), x = column, y strides the rows of slice blockIdx.y. One slice: out = dw, accumulate
// (dw +=). More: out = a [slices, n] buffer (=), then reduction.cu's reduce_cols adds its rows in order into dw
// (+=). Deterministic: fixed order, no atomics.
#include "common.cuh"

// The row layout, for the host (read from this file's PTX): defined once, in common.cuh.
extern "C" __device__ const int rmsnorm_row_warp_max_n = ROW_WARP_MAX, rmsnorm_row_warps_per_block = ROW_WARPS;

extern "C" __global__ void rmsnorm_fwd_f32(const float* x, const float* w, float eps, float* y, float* rstd, int rows, int n) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    float ss = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float v = x[o + j]; ss += v * v; }
    ss = row_sum(ss, scratch);
    float rs = (float)(1.0 / sqrt((double)ss / n + eps));
    if (threadIdx.x == 0) rstd[r] = rs;
    for (int j = threadIdx.x; j < n; j += blockDim.x) y[o + j] = x[o + j] * rs * w[j];
}

extern "C" __global__ void rmsnorm_jvp_f32(const float* x, const float* tx, const float* w, float eps,
                                           float* y, float* ty, float* rstd, int rows, int n) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    float ss = 0.f, xt = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float v = x[o + j]; ss += v * v; xt += v * tx[o + j]; }
    ss = row_sum(ss, scratch);
    xt = row_sum(xt, scratch);
    float rs = (float)(1.0 / sqrt((double)ss / n + eps));
    if (threadIdx.x == 0) rstd[r] = rs;
    float k = rs * rs * (xt / n);
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float xj = x[o + j], wr = w[j] * rs;
        y[o + j] = xj * wr;
        ty[o + j] = wr * (tx[o + j] - xj * k);
    }
}

extern "C" __global__ void rmsnorm_vjp_f32(const float* x, const float* w, const float* rstd, const float* dy, float* dx,
                                           int rows, int n, int accumulate) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    float rs = rstd[r], wdx = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) wdx += w[j] * dy[o + j] * x[o + j];
    wdx = row_sum(wdx, scratch);
    float k = rs * rs * (wdx / n);
    // the term is rounded before it is added (no FMA across the +), as a separate add of the two would
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float d = rs * (w[j] * dy[o + j] - x[o + j] * k);
        dx[o + j] = accumulate ? __fadd_rn(dx[o + j], d) : d;
    }
}

extern "C" __global__ void rmsnorm_dw_vjp_f32(const float* x, const float* rstd, const float* dy, float* out, int rows, int n,
                                              int accumulate) {
    __shared__ float part[COLS_Y][COLS_X + 1];
    int j = blockIdx.x * COLS_X + threadIdx.x, begin, end;
    column_slice(rows, &begin, &end);
    float s = 0.f;
    if (j < n)
        for (int r = begin + threadIdx.y; r < end; r += blockDim.y) s += dy[(long long)r * n + j] * x[(long long)r * n + j] * rstd[r];
    column_finish(s, part, out + (long long)blockIdx.y * n, j, n, accumulate);
}
