// reduction.cu: sums over the last axis, over everything, and the adjoint of a broadcast.
//
// Math and launch geometry:
//   sum_rows_fwd      out[r] = Σ_j x[r, j]                x [rows, n]; one block of 256 per row (grid = rows)
//   sum_all_fwd       out[0] = (float) Σ_i x[i]           double accumulation; ONE block of 1024 threads
//   reduce_cols_vjp   out[s, j] (= or += when accumulate) Σ_{o in slice s} g[o, j]
//                                                         g [outer, n] (broadcast inner = 1); block (32, 8), grid
//                                                         (ceil(n/32), slices): x = column, y strides the rows of
//                                                         slice blockIdx.y (common.cuh). One slice: out[j] is the
//                                                         column sum. More: out is a [slices, n] buffer (=) that a
//                                                         second launch with one slice sums in order into the output
//   gated_residual_vjp dbranch[o, j] = dy[o, j]·gate[j] and out[s, j] (=) Σ_{o in slice s} dy[o, j]·branch[o, j]
//                      [outer, n]; the geometry and slices of reduce_cols (each element visited once)
//   reduce_broadcast_vjp out[j] = Σ_o Σ_t g[(o·n + j)·inner + t]   inner > 1; one block of 256 per j (grid = n)
// Outputs are overwritten (=) except reduce_cols with accumulate (+=; rmsnorm's dw finishes with it). Results are
// deterministic (a fixed reduction order for each shape; no float atomics).
#include "common.cuh"

extern "C" __global__ void sum_rows_fwd_f32(const float* x, float* out, int rows, int n) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    const float* row = x + (long long)r * n;
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) s += row[j];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[r] = s;
}

extern "C" __global__ void sum_all_fwd_f32(const float* x, float* out, long long n) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (long long i = threadIdx.x; i < n; i += blockDim.x) s += x[i];
    s = warp_sum_d(s);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) scratch[warp] = s;
    __syncthreads();
    if (warp == 0) {
        s = lane < (int)(blockDim.x >> 5) ? scratch[lane] : 0.0;
        s = warp_sum_d(s);
        if (lane == 0) out[0] = (float)s;
    }
}

// The block shape and row slicing of the column sums (here and in rmsnorm.cu), for the host (read from this
// file's PTX): defined once, in common.cuh.
extern "C" __device__ const int column_sum_block_x = COLS_X, column_sum_block_y = COLS_Y,
        column_sum_target_blocks = COLS_TARGET_BLOCKS, column_sum_min_slice_rows = COLS_MIN_SLICE_ROWS;

extern "C" __global__ void reduce_cols_vjp_f32(const float* g, float* out, int outer, int n, int accumulate) {
    __shared__ float part[COLS_Y][COLS_X + 1];
    int j = blockIdx.x * COLS_X + threadIdx.x, begin, end;
    column_slice(outer, &begin, &end);
    float s = 0.f;
    if (j < n)
        for (int o = begin + threadIdx.y; o < end; o += blockDim.y) s += g[(long long)o * n + j];
    column_finish(s, part, out + (long long)blockIdx.y * n, j, n, accumulate);
}

extern "C" __global__ void gated_residual_vjp_f32(const float* dy, const float* branch, const float* gate, float* dbranch,
                                                  float* out, int outer, int n, int accumulate) {
    __shared__ float part[COLS_Y][COLS_X + 1];
    int j = blockIdx.x * COLS_X + threadIdx.x, begin, end;
    column_slice(outer, &begin, &end);
    float s = 0.f;
    if (j < n) {
        float g = gate[j];
        for (int o = begin + threadIdx.y; o < end; o += blockDim.y) {
            long long i = (long long)o * n + j;
            float d = dy[i];
            dbranch[i] = __fmul_rn(d, g);
            s = __fadd_rn(s, __fmul_rn(d, branch[i]));
        }
    }
    column_finish(s, part, out + (long long)blockIdx.y * n, j, n, accumulate);
}

extern "C" __global__ void reduce_broadcast_vjp_f32(const float* g, float* out, long long outer, long long n, long long inner) {
    __shared__ float scratch[32];
    long long j = blockIdx.x;
    long long count = outer * inner;
    float s = 0.f;
    for (long long e = threadIdx.x; e < count; e += blockDim.x) {
        long long o = e / inner, t = e % inner;
        s += g[(o * n + j) * inner + t];
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) out[j] = s;
}
