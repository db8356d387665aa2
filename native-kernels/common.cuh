// common.cuh: helpers shared by the kernel families (included, never compiled on its own).
// Grid-stride loops use 64-bit indices; block sums use warp shuffles then one shared slot per warp.
#pragma once

// Column sums (reduce_cols, rmsnorm_dw): blocks of COLS_X columns × COLS_Y threads down the rows. The rows are
// cut into gridDim.y slices of ceil(rows / gridDim.y) (column_slice); the host picks the slices: about
// COLS_TARGET_BLOCKS blocks in all, no slice under COLS_MIN_SLICE_ROWS rows. With one slice a launch writes
// the column sums; with more, each block writes its slice's partial sums (row blockIdx.y of a [slices, n]
// buffer) and a second launch of reduce_cols over that buffer, with one slice, adds them in slice order. Every
// sum has a fixed order for a given shape, and there are no float atomics: results do not depend on timing.
#define COLS_X 32
#define COLS_Y 8
#define COLS_TARGET_BLOCKS 1024
#define COLS_MIN_SLICE_ROWS 128

// Row kernels (rmsnorm, softmax): a row of at most ROW_WARP_MAX floats gets one warp, ROW_WARPS rows per block
// (block (32, ROW_WARPS), grid ceil(rows / ROW_WARPS)): no barrier, no shared memory, a few floats per lane.
// A longer row gets a block of 256 threads (block (256, 1), grid = rows). The kernels read the layout from
// blockDim.y (row_index, row_sum, row_max); the host reads these two constants from each family's PTX.
#define ROW_WARP_MAX 1024
#define ROW_WARPS 8

#define GRID_STRIDE(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long)blockDim.x * gridDim.x)

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// `scratch` holds 32 floats; the call synchronises the block twice.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.f;
    return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -INFINITY;
    return warp_max(v);
}

// ---- row kernels: a row per warp (blockDim.y > 1, blockDim.x == 32) or a row per block (blockDim.y == 1) ----
// The row of this thread; threads of a row stride its columns by blockDim.x from threadIdx.x. In the warp layout
// the last block may hold rows past the end: their warps return as a whole (no barrier follows in that layout).
__device__ __forceinline__ long long row_index() { return (long long)blockIdx.x * blockDim.y + threadIdx.y; }

// Sum / max over the threads of one row; every thread of the row gets the result. Block layout: synchronises
// the block twice (block_sum); warp layout: shuffles only.
__device__ __forceinline__ float row_sum(float v, float* scratch) { return blockDim.y > 1 ? warp_sum(v) : block_sum(v, scratch); }

__device__ __forceinline__ float row_max(float v, float* scratch) { return blockDim.y > 1 ? warp_max(v) : block_max(v, scratch); }

// ---- column sums ----
// The rows [begin, end) of this block's slice: gridDim.y slices of ceil(rows / gridDim.y) rows.
__device__ __forceinline__ void column_slice(int rows, int* begin, int* end) {
    int per = (rows + (int)gridDim.y - 1) / (int)gridDim.y;
    *begin = (int)blockIdx.y * per;
    *end = min(rows, *begin + per);
}

// Adds the COLS_Y partial sums of column j (s, one per threadIdx.y) in threadIdx.y order and writes the total to
// out[j]: out[j] = total, or out[j] += total when accumulate. Synchronises the block once.
__device__ __forceinline__ void column_finish(float s, float (*part)[COLS_X + 1], float* out, int j, int n, int accumulate) {
    part[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && j < n) {
        float t = 0.f;
        for (int y = 0; y < (int)blockDim.y; y++) t += part[y][threadIdx.x];
        out[j] = accumulate ? out[j] + t : t;
    }
}

__device__ __forceinline__ float sigmoidf_(float v) { return 1.f / (1.f + expf(-v)); }
