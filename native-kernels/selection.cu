// selection.cu: positions and dtype conversions.
//
// Math:
//   iota_fwd_f32 / _i32   out[i] = i
//   select_nonzero_fwd    idx[0 .. count) = the positions i of mask[i] ≠ 0, increasing; *count = how many.
//                         One block of SELECT_THREADS = 256: thread t counts the nonzeros of its contiguous chunk,
//                         an exclusive scan of the 256 counts in shared memory gives each chunk's first slot,
//                         then every thread writes its positions in order (deterministic, no atomics).
//   cast_to_bf16_fwd_f32         out[i] = bf16(x[i]), round to nearest even (NaN stays NaN)
//   cast_to_f32_fwd_b16         out[i] = float(x[i]) (exact)
//   cast_to_f32_fwd_i32          out[i] = (float) x[i]
// Launch: 1-D grid-stride, 256 threads per block, except select_nonzero (grid 1, block 256). Outputs: =.
#include "common.cuh"

extern "C" __global__ void iota_fwd_f32(float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = (float)i;
}

extern "C" __global__ void iota_fwd_i32(int* out, long long n) {
    GRID_STRIDE(i, n) out[i] = (int)i;
}

#define SELECT_THREADS 256
// The block size select_nonzero needs, for the host (read from this file's PTX).
extern "C" __device__ const int select_nonzero_threads = SELECT_THREADS;

extern "C" __global__ void select_nonzero_fwd_i32(const float* mask, long long n, int* idx, int* count) {
    __shared__ int offsets[SELECT_THREADS];
    int t = threadIdx.x, threads = blockDim.x;
    long long chunk = (n + threads - 1) / threads, lo = t * chunk, hi = lo + chunk < n ? lo + chunk : n;
    int mine = 0;
    for (long long i = lo; i < hi; i++) mine += mask[i] != 0.f;
    offsets[t] = mine;
    __syncthreads();
    if (t == 0) { // exclusive scan of 256 counts: trivial next to the launch itself
        int run = 0;
        for (int k = 0; k < threads; k++) { int c = offsets[k]; offsets[k] = run; run += c; }
        *count = run;
    }
    __syncthreads();
    int slot = offsets[t];
    for (long long i = lo; i < hi; i++) if (mask[i] != 0.f) idx[slot++] = (int)i;
}

extern "C" __global__ void cast_to_bf16_fwd_f32(const float* x, unsigned short* out, long long n) {
    GRID_STRIDE(i, n) {
        unsigned bits = __float_as_uint(x[i]);
        if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0) out[i] = (unsigned short)((bits >> 16) | 0x0040u);
        else out[i] = (unsigned short)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}

extern "C" __global__ void cast_to_f32_fwd_b16(const unsigned short* x, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = __uint_as_float((unsigned)x[i] << 16);
}

extern "C" __global__ void cast_to_f32_fwd_i32(const int* x, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = (float)x[i];
}
