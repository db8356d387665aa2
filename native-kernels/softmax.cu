// softmax.cu: softmax over the last axis of x [rows, n], its dual and its VJP.
//
// Math (matches backend/cpu/CpuSoftmax):
//   softmax_fwd   y = exp(x − max x) / Σ exp(x − max x)
//   softmax_jvp   y as above, ty = y ⊙ (tx − Σ y·tx)
//   softmax_vjp   dx = y ⊙ (dy − Σ y·dy)          (the Jacobian is symmetric)
// Launch (common.cuh): one warp per row for n ≤ ROW_WARP_MAX (block (32, ROW_WARPS), grid ceil(rows / ROW_WARPS)),
// else one block of 256 threads per row (grid = rows); the host reads both constants below. Outputs overwritten (=).
#include "common.cuh"

// The row layout, for the host (read from this file's PTX): defined once, in common.cuh.
extern "C" __device__ const int softmax_row_warp_max_n = ROW_WARP_MAX, softmax_row_warps_per_block = ROW_WARPS;

__device__ void softmax_row(const float* x, float* y, int n, float* scratch) {
    float m = -INFINITY;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, x[j]);
    m = row_max(m, scratch);
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float e = expf(x[j] - m); y[j] = e; s += e; }
    s = row_sum(s, scratch);
    float inv = 1.f / s;
    for (int j = threadIdx.x; j < n; j += blockDim.x) y[j] *= inv;
}

// out = y ⊙ (t − Σ y·t); each thread reads back only the y it wrote itself, so no barrier is needed before.
__device__ void jacobian_times(const float* y, const float* t, float* out, int n, float* scratch) {
    float dot = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) dot += y[j] * t[j];
    dot = row_sum(dot, scratch);
    for (int j = threadIdx.x; j < n; j += blockDim.x) out[j] = y[j] * (t[j] - dot);
}

extern "C" __global__ void softmax_fwd_f32(const float* x, float* y, int rows, int n) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    softmax_row(x + o, y + o, n, scratch);
}

extern "C" __global__ void softmax_jvp_f32(const float* x, const float* tx, float* y, float* ty, int rows, int n) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    softmax_row(x + o, y + o, n, scratch);
    jacobian_times(y + o, tx + o, ty + o, n, scratch);
}

extern "C" __global__ void softmax_vjp_f32(const float* y, const float* dy, float* dx, int rows, int n) {
    __shared__ float scratch[32];
    long long r = row_index();
    if (r >= rows) return;
    long long o = r * n;
    jacobian_times(y + o, dy + o, dx + o, n, scratch);
}
