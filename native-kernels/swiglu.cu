// swiglu.cu: the SwiGLU gate y = silu(a)·b, elementwise over n values, its dual and its VJP.
//
// Math (σ = sigmoid(a), silu'(a) = σ·(1 + a·(1 − σ)); matches backend/cpu/CpuSwiglu):
//   swiglu_fwd   y  = a·σ·b
//   swiglu_jvp   y as above, ty = silu'(a)·ta·b + silu(a)·tb
//   swiglu_vjp   da = dy·b·silu'(a),  db = dy·silu(a)
// Launch: 1-D grid-stride, 256 threads per block. All outputs overwritten (=).
#include "common.cuh"

extern "C" __global__ void swiglu_fwd_f32(const float* a, const float* b, float* y, long long n) {
    GRID_STRIDE(i, n) { float av = a[i]; y[i] = av * sigmoidf_(av) * b[i]; }
}

extern "C" __global__ void swiglu_jvp_f32(const float* a, const float* ta, const float* b, const float* tb,
                                          float* y, float* ty, long long n) {
    GRID_STRIDE(i, n) {
        float av = a[i], bv = b[i], s = sigmoidf_(av), silu = av * s, d = s * (1.f + av * (1.f - s));
        y[i] = silu * bv;
        ty[i] = d * ta[i] * bv + silu * tb[i];
    }
}

extern "C" __global__ void swiglu_vjp_f32(const float* a, const float* b, const float* dy, float* da, float* db, long long n) {
    GRID_STRIDE(i, n) {
        float av = a[i], s = sigmoidf_(av), g = dy[i];
        da[i] = g * b[i] * s * (1.f + av * (1.f - s));
        db[i] = g * av * s;
    }
}
