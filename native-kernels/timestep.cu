// timestep.cu: sinusoidal features of scalars s [count] into out [count, dim], half = dim/2.
//
// Math (matches backend/cpu/CpuTimestep; frequencies and angles in float64, cast once):
//   f_k = exp(−ln(maxPeriod)·k/half)
//   timestep_fwd   out[b, k] = cos(s_b·f_k),        out[b, half + k] = sin(s_b·f_k)
//   timestep_jvp   out[b, k] = −f_k·sin(s_b·f_k),   out[b, half + k] = f_k·cos(s_b·f_k)   (d/ds)
// Launch: 1-D grid-stride over count·half, 256 threads per block. out overwritten (=).
#include "common.cuh"

__device__ __forceinline__ void timestep_one(const float* s, float* out, long long i, int half, double logMaxPeriod,
                                             bool derivative) {
    long long b = i / half;
    int k = (int)(i % half);
    double f = exp(-logMaxPeriod * k / half), arg = (double)s[b] * f, c = cos(arg), sn = sin(arg);
    float* o = out + b * 2 * half;
    o[k] = (float)(derivative ? -f * sn : c);
    o[half + k] = (float)(derivative ? f * c : sn);
}

extern "C" __global__ void timestep_fwd_f32(const float* s, float* out, long long count, int half, double logMaxPeriod) {
    GRID_STRIDE(i, count * half) timestep_one(s, out, i, half, logMaxPeriod, false);
}

extern "C" __global__ void timestep_jvp_f32(const float* s, float* out, long long count, int half, double logMaxPeriod) {
    GRID_STRIDE(i, count * half) timestep_one(s, out, i, half, logMaxPeriod, true);
}
