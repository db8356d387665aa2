// elementwise.cu: unary functions and their derivatives, broadcast binary ops, axpby, where.
//
// Math (op codes are the ordinals of imfengine.backend.UnaryOp / BinaryOp):
//   unary_fwd            out[i] = f(x[i])        f ∈ {exp, silu, sigmoid, square, rsqrt, neg, log}
//   unary_vjp            out[i] = g[i]·f'(x[i])  (y = f(x) is passed: exp' = y, sigmoid' = y(1−y), rsqrt' = −y³/2, log' = 1/x)
//   binary_fwd           out[i] = a[i] ∘ b[(i / inner) % nb]    ∘ ∈ {+, −, ×, ÷, max, min, <}  (see backend.Broadcast;
//                        < gives 1 or 0)
//   axpby_fwd            out[i] = alpha·x[i] + beta·y[i]        (y may be null when beta = 0)
//   gated_residual_fwd   out[i] = x[i] + branch[i]·gate[i % n]  (the product rounded before the add, as the CPU's
//                        unfused mul and add: no contraction to an FMA)
//   where_fwd            out[i] = mask[(i / inner) % nb] ≠ 0 ? a[i] : b[i]   (_f32: any 4-byte elements, moved as
//                        bits; _b16: 2-byte elements (bf16))
// Shapes: flat arrays of n (or total) floats. Launch: 1-D grid-stride, 256 threads per block,
// blocks = min(ceil(n/256), 65535·8). All outputs are overwritten (=); out may alias an input.
#include "common.cuh"

__device__ __forceinline__ float unary_f(int op, float v) {
    switch (op) {
        case 0: return expf(v);
        case 1: return v / (1.f + expf(-v));
        case 2: return 1.f / (1.f + expf(-v));
        case 3: return v * v;
        case 4: return rsqrtf(v);
        case 5: return -v;
        default: return logf(v);
    }
}

extern "C" __global__ void unary_fwd_f32(int op, const float* x, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = unary_f(op, x[i]);
}

extern "C" __global__ void unary_vjp_f32(int op, const float* x, const float* y, const float* g, float* out, long long n) {
    GRID_STRIDE(i, n) {
        float xi = x[i], gi = g[i], r;
        switch (op) {
            case 0: r = gi * y[i]; break;
            case 1: { float s = sigmoidf_(xi); r = gi * s * (1.f + xi * (1.f - s)); break; }
            case 2: r = gi * y[i] * (1.f - y[i]); break;
            case 3: r = gi * 2.f * xi; break;
            case 4: { float yi = y[i]; r = gi * -0.5f * yi * yi * yi; break; }
            case 5: r = -gi; break;
            default: r = gi / xi;
        }
        out[i] = r;
    }
}

extern "C" __global__ void binary_fwd_f32(int op, const float* a, const float* b, long long nb, long long inner,
                                          float* out, long long total) {
    GRID_STRIDE(i, total) {
        float av = a[i], bv = b[(i / inner) % nb], r;
        switch (op) {
            case 0: r = av + bv; break;
            case 1: r = av - bv; break;
            case 2: r = av * bv; break;
            case 3: r = av / bv; break;
            case 4: r = fmaxf(av, bv); break;
            case 5: r = fminf(av, bv); break;
            default: r = av < bv ? 1.f : 0.f;
        }
        out[i] = r;
    }
}

extern "C" __global__ void gated_residual_fwd_f32(const float* x, const float* branch, const float* gate, long long n,
                                                  float* out, long long total) {
    GRID_STRIDE(i, total) out[i] = __fadd_rn(x[i], __fmul_rn(branch[i], gate[i % n]));
}

extern "C" __global__ void axpby_fwd_f32(float alpha, const float* x, float beta, const float* y, float* out, long long n) {
    if (y == nullptr || beta == 0.f) {
        GRID_STRIDE(i, n) out[i] = alpha * x[i];
    } else {
        GRID_STRIDE(i, n) out[i] = alpha * x[i] + beta * y[i];
    }
}

extern "C" __global__ void where_fwd_f32(const float* mask, long long nb, long long inner, const float* a, const float* b,
                                         float* out, long long total) {
    GRID_STRIDE(i, total) out[i] = mask[(i / inner) % nb] != 0.f ? a[i] : b[i];
}

extern "C" __global__ void where_fwd_b16(const float* mask, long long nb, long long inner, const unsigned short* a,
                                         const unsigned short* b, unsigned short* out, long long total) {
    GRID_STRIDE(i, total) out[i] = mask[(i / inner) % nb] != 0.f ? a[i] : b[i];
}
