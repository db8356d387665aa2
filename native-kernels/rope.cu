// rope.cu: rotary embedding on x [rows = B·L, heads·Dh] and its dual.
//
// Math (matches backend/cpu/CpuRope): row r sits at position l = r % seqLen; pair (2i, 2i+1) of every head
// turns by θ[l, i] (tables cos, sin [seqLen, Dh/2]); sign = −1 turns by −θ (the inverse = the VJP):
//   y₀ = x₀·cos − x₁·sign·sin,   y₁ = x₀·sign·sin + x₁·cos
//   rope_jvp: the same rotation applied to x → y and tx → ty (the map is linear), tables read once.
// Launch: 1-D grid-stride over the rows·heads·Dh/2 pairs, 256 threads per block. Outputs overwritten (=);
// out may alias x (each thread reads its pair before writing it).
#include "common.cuh"

extern "C" __global__ void rope_fwd_f32(const float* x, const float* cosT, const float* sinT, float* out,
                                        long long rows, int seqLen, int heads, int headDim, float sign) {
    int half = headDim / 2;
    long long pairs = rows * heads * half;
    GRID_STRIDE(p, pairs) {
        int i = (int)(p % half);
        long long rh = p / half;
        long long r = rh / heads;
        int l = (int)(r % seqLen);
        float c = cosT[l * half + i], s = sign * sinT[l * half + i];
        long long k = 2 * p; // pairs are contiguous: element index of x₀
        float x0 = x[k], x1 = x[k + 1];
        out[k] = x0 * c - x1 * s;
        out[k + 1] = x0 * s + x1 * c;
    }
}

extern "C" __global__ void rope_jvp_f32(const float* x, const float* tx, const float* cosT, const float* sinT,
                                        float* y, float* ty, long long rows, int seqLen, int heads, int headDim) {
    int half = headDim / 2;
    long long pairs = rows * heads * half;
    GRID_STRIDE(p, pairs) {
        int i = (int)(p % half);
        long long r = (p / half) / heads;
        int l = (int)(r % seqLen);
        float c = cosT[l * half + i], s = sinT[l * half + i];
        long long k = 2 * p;
        float x0 = x[k], x1 = x[k + 1], t0 = tx[k], t1 = tx[k + 1];
        y[k] = x0 * c - x1 * s;
        y[k + 1] = x0 * s + x1 * c;
        ty[k] = t0 * c - t1 * s;
        ty[k + 1] = t0 * s + t1 * c;
    }
}
