// rmsnorm.cu: RMSNorm over the last axis of x [rows, n], its dual (primal + tangent) and its VJP.
//
// Math (matches backend/cpu/CpuRmsNorm):
//   rmsnorm_fwd     rstd = 1/√(mean(x²) + eps);  y = x·rstd·w                       (y, rstd: =)
//   rmsnorm_jvp     y as above and ty = w·rstd·(tx − x·rstd²·mean(x·tx))             (y, ty, rstd: =)
//   rmsnorm_vjp     dx = rstd·(w·dy − x·rstd²·mean(w·dy·x))                          (dx: =)
//   rmsnorm_dw_vjp  dw[j] += Σ_r dy[r, j]·x[r, j]·rstd[r]                              (dw: +=)
// Launch: fwd/jvp/vjp one block of 256 threads per row (grid = rows); dw block (COLS_X, COLS_Y) = (32, 8),
// grid ceil(n/COLS_X) (the host reads the shape from reduction.cu's PTX),
// x = column, y strides rows, so dw needs no atomics and is deterministic.
#include "common.cuh"

extern "C" __global__ void rmsnorm_fwd_f32(const float* x, const float* w, float eps, float* y, float* rstd, int rows, int n) {
    __shared__ float scratch[32];
    long long o = (long long)blockIdx.x * n;
    float ss = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float v = x[o + j]; ss += v * v; }
    ss = block_sum(ss, scratch);
    float rs = (float)(1.0 / sqrt((double)ss / n + eps));
    if (threadIdx.x == 0) rstd[blockIdx.x] = rs;
    for (int j = threadIdx.x; j < n; j += blockDim.x) y[o + j] = x[o + j] * rs * w[j];
}

extern "C" __global__ void rmsnorm_jvp_f32(const float* x, const float* tx, const float* w, float eps,
                                           float* y, float* ty, float* rstd, int rows, int n) {
    __shared__ float scratch[32];
    long long o = (long long)blockIdx.x * n;
    float ss = 0.f, xt = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float v = x[o + j]; ss += v * v; xt += v * tx[o + j]; }
    ss = block_sum(ss, scratch);
    xt = block_sum(xt, scratch);
    float rs = (float)(1.0 / sqrt((double)ss / n + eps));
    if (threadIdx.x == 0) rstd[blockIdx.x] = rs;
    float k = rs * rs * (xt / n);
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float xj = x[o + j], wr = w[j] * rs;
        y[o + j] = xj * wr;
        ty[o + j] = wr * (tx[o + j] - xj * k);
    }
}

extern "C" __global__ void rmsnorm_vjp_f32(const float* x, const float* w, const float* rstd, const float* dy, float* dx,
                                           int rows, int n) {
    __shared__ float scratch[32];
    long long o = (long long)blockIdx.x * n;
    float rs = rstd[blockIdx.x], wdx = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) wdx += w[j] * dy[o + j] * x[o + j];
    wdx = block_sum(wdx, scratch);
    float k = rs * rs * (wdx / n);
    for (int j = threadIdx.x; j < n; j += blockDim.x) dx[o + j] = rs * (w[j] * dy[o + j] - x[o + j] * k);
}

extern "C" __global__ void rmsnorm_dw_vjp_f32(const float* x, const float* rstd, const float* dy, float* dw, int rows, int n) {
    __shared__ float part[COLS_Y][COLS_X + 1];
    int j = blockIdx.x * COLS_X + threadIdx.x;
    float s = 0.f;
    if (j < n)
        for (int r = threadIdx.y; r < rows; r += blockDim.y) s += dy[(long long)r * n + j] * x[(long long)r * n + j] * rstd[r];
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < n) {
        float t = 0.f;
        for (int y = 0; y < (int)blockDim.y; y++) t += part[y][threadIdx.x];
        dw[j] += t;
    }
}
