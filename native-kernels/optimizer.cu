// optimizer.cu: in-place parameter updates.
//
// Math (matches backend/cpu/CpuOptimizer; c1 = 1/(1 − β1^step), c2 = 1/(1 − β2^step) from the host):
//   adamw_fwd   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  p −= lr·(m·c1/(√(v·c2) + eps) + wd·p)
//   ema_fwd     ema = decay·ema + (1 − decay)·p
// Shapes: flat arrays of n floats. Launch: 1-D grid-stride, 256 threads per block.
// p, m, v (adamw) and ema are updated in place; g and p (ema) are read only.
#include "common.cuh"

extern "C" __global__ void adamw_fwd_f32(float* p, const float* g, float* m, float* v, float lr, float b1, float b2,
                                         float eps, float wd, float c1, float c2, long long n) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float mi = b1 * m[i] + (1 - b1) * gi;
        float vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float pi = p[i];
        p[i] = pi - lr * (mi * c1 / (sqrtf(vi * c2) + eps) + wd * pi);
    }
}

extern "C" __global__ void ema_fwd_f32(float* ema, const float* p, float decay, long long n) {
    float take = 1 - decay;
    GRID_STRIDE(i, n) ema[i] = decay * ema[i] + take * p[i];
}
