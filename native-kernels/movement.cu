// movement.cu: permute, strided run copies (concat, slice and their adjoints), row gather and scatter-add.
//
// Math:
//   permute_fwd          out[o] = x[Σ_a coord_a(o)·st[a]]   o walks the output [od0, …, od(rank−1)] row-major;
//                        st[a] is the input stride of output axis a. Geometry by value: PermGeom (rank ≤ 8).
//   copy_runs_fwd        dst[dstOff + r·dstStride + j] (= or +=) src[srcOff + r·srcStride + j],  r < rows, j < len
//                        (_f32 also moves any 4-byte elements when accumulate = 0; _b16 moves 2-byte ones, = only)
//   permute_fwd_b16      permute_fwd for 2-byte elements
//   gather_rows_fwd      out[i, :] = table[idx[i], :]          out [count, width]
//   scatter_add_rows_vjp tableGrad[idx[i], :] += g[i, :]       (+=; indices may repeat: each table row adds its
//                        rows in index order, no atomics, so the result is the CPU's bit for bit)
// Indices come from the device (I32 tensors); they are valid by construction (labels checked when uploaded). Launch: 1-D grid-stride, 256 threads per block, over
// the output elements. Outputs are overwritten (=) except copy_runs with accumulate ≠ 0 and scatter_add.
#include "common.cuh"

struct PermGeom {
    long long od[8];   // output dims
    long long st[8];   // input stride of each output axis
    long long rank;
};

template <typename T>
__device__ __forceinline__ void permute(const T* x, T* out, const PermGeom& g, long long total) {
    int rank = (int)g.rank;
    GRID_STRIDE(o, total) {
        long long rem = o, src = 0;
        for (int a = rank - 1; a >= 0; a--) {
            long long c = rem % g.od[a];
            rem /= g.od[a];
            src += c * g.st[a];
        }
        out[o] = x[src];
    }
}

extern "C" __global__ void permute_fwd_f32(const float* x, float* out, PermGeom g, long long total) { permute(x, out, g, total); }

extern "C" __global__ void permute_fwd_b16(const unsigned short* x, unsigned short* out, PermGeom g, long long total) {
    permute(x, out, g, total);
}

extern "C" __global__ void copy_runs_fwd_f32(const float* src, long long srcOff, long long srcStride,
                                             float* dst, long long dstOff, long long dstStride,
                                             long long rows, long long len, int accumulate) {
    long long total = rows * len;
    GRID_STRIDE(i, total) {
        long long r = i / len, j = i % len;
        float v = src[srcOff + r * srcStride + j];
        float* d = dst + dstOff + r * dstStride + j;
        if (accumulate) *d += v; else *d = v;
    }
}

extern "C" __global__ void copy_runs_fwd_b16(const unsigned short* src, long long srcOff, long long srcStride,
                                             unsigned short* dst, long long dstOff, long long dstStride,
                                             long long rows, long long len) {
    long long total = rows * len;
    GRID_STRIDE(i, total) {
        long long r = i / len, j = i % len;
        dst[dstOff + r * dstStride + j] = src[srcOff + r * srcStride + j];
    }
}

extern "C" __global__ void gather_rows_fwd_f32(const float* table, const int* idx, float* out, long long count, long long width) {
    long long total = count * width;
    GRID_STRIDE(i, total) {
        long long r = i / width, j = i % width;
        out[i] = table[(long long)idx[r] * width + j];
    }
}

// This feeds weight gradients (the class-embedding table), so it must give the same bits on every run:
// no atomicAdd, whose order of arrival varies. The thread of element (r, j) works only if r is the first
// row with index idx[r]; it then adds g[r', j] of every row r' with that index in increasing r', the
// order of the CPU's serial loop (CpuMovement.scatterAddRows), so both give the same sums. O(count) per
// thread: count is a batch of labels, and the launch (grid-stride over count·width) is unchanged.
extern "C" __global__ void scatter_add_rows_vjp_f32(const float* g, const int* idx, float* tableGrad, long long count, long long width) {
    long long total = count * width;
    GRID_STRIDE(i, total) {
        long long r = i / width, j = i % width;
        int row = idx[r];
        bool first = true;
        for (long long p = 0; p < r && first; p++) first = idx[p] != row;
        if (!first) continue;
        float* out = tableGrad + (long long)row * width + j;
        float acc = *out;
        for (long long p = r; p < count; p++)
            if (idx[p] == row) acc += g[p * width + j];
        *out = acc;
    }
}
