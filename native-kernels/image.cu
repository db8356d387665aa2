// image.cu: forward-only kernels on NCHW image batches (the SD-VAE decoder and Inception-v3 for FID).
//
// Math (matches backend/cpu/CpuIm2col, CpuGroupNorm, CpuUpsample, CpuPooling; all outputs overwritten, =):
//   im2col_fwd          cols[n, (c·kh + ky)·kw + kx, oy·wo + ox] = x[n, c, oy·s − py + ky, ox·s − px + kx], 0 outside;
//                       a convolution is then one GEMM of the weight [Cout, C·kh·kw] by cols (cuBLAS, on the host side);
//                       the window may be rectangular (Inception's 1×7 / 7×1 with padding (0, 3) / (3, 0))
//   group_norm_fwd      per (n, group) row of L = C/G·H·W contiguous values: mean, var = mean((x − mean)²),
//                       y = (x − mean)·rstd·gamma[c] + beta[c], rstd = 1/√(var + eps)
//   upsample_nearest2x  y[p, i, j] = x[p, i/2, j/2] over planes p = n·C + c
//   max_pool_fwd        the max over the window clipped to the image (padded taps never win)
//   avg_pool_fwd        the sum over the clipped window / (include_pad ? k² : taps inside)
// Launch: group_norm one block of 256 per (n, group) row (grid = N·G; block_sum of common.cuh, two passes);
// the others 1-D grid-stride, 256 threads per block, one output element per iteration.
#include "common.cuh"

extern "C" __global__ void im2col_fwd_f32(const float* x, float* cols, int n, int c, int h, int w, int kh, int kw,
                                          int stride, int pad_y, int pad_x, int ho, int wo) {
    long long total = (long long)n * c * kh * kw * ho * wo;
    GRID_STRIDE(i, total) {
        int ox = (int)(i % wo), oy = (int)((i / wo) % ho);
        long long row = i / ((long long)ho * wo);          // (n·c + channel)·kh·kw + ky·kw + kx
        int kx = (int)(row % kw), ky = (int)((row / kw) % kh);
        long long plane = row / ((long long)kh * kw);
        int iy = oy * stride - pad_y + ky, ix = ox * stride - pad_x + kx;
        cols[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane * h * w + (long long)iy * w + ix] : 0.f;
    }
}

extern "C" __global__ void group_norm_fwd_f32(const float* x, const float* gamma, const float* beta, float* y,
                                              int channels, int groups, long long plane, float eps) {
    __shared__ float scratch[32];
    int per_group = channels / groups, c0 = (int)(blockIdx.x % groups) * per_group;
    long long len = per_group * plane, o = (long long)blockIdx.x * len;
    float s = 0.f;
    for (long long i = threadIdx.x; i < len; i += blockDim.x) s += x[o + i];
    float mean = block_sum(s, scratch) / (float)len;
    float ss = 0.f;
    for (long long i = threadIdx.x; i < len; i += blockDim.x) { float d = x[o + i] - mean; ss += d * d; }
    float rstd = (float)(1.0 / sqrt((double)block_sum(ss, scratch) / len + eps));
    for (long long i = threadIdx.x; i < len; i += blockDim.x) {
        int ch = c0 + (int)(i / plane);
        float scale = gamma[ch] * rstd;
        y[o + i] = (x[o + i] - mean) * scale + beta[ch]; // not x·scale + shift: that cancels when rstd is large
    }
}

extern "C" __global__ void upsample_nearest2x_fwd_f32(const float* x, float* y, long long planes, int h, int w) {
    long long total = planes * 4 * h * w;
    GRID_STRIDE(i, total) {
        int j = (int)(i % (2 * w)), r = (int)((i / (2 * w)) % (2 * h));
        long long p = i / (4LL * h * w);
        y[i] = x[(p * h + r / 2) * w + j / 2];
    }
}

extern "C" __global__ void max_pool_fwd_f32(const float* x, float* y, long long planes, int h, int w, int ho, int wo,
                                            int k, int stride, int pad) {
    GRID_STRIDE(i, planes * ho * wo) {
        int ox = (int)(i % wo), oy = (int)((i / wo) % ho);
        const float* src = x + (i / ((long long)ho * wo)) * h * w;
        int y0 = max(0, oy * stride - pad), y1 = min(h, oy * stride - pad + k);
        int x0 = max(0, ox * stride - pad), x1 = min(w, ox * stride - pad + k);
        float m = -INFINITY;
        for (int a = y0; a < y1; a++)
            for (int b = x0; b < x1; b++) m = fmaxf(m, src[a * w + b]);
        y[i] = m;
    }
}

extern "C" __global__ void avg_pool_fwd_f32(const float* x, float* y, long long planes, int h, int w, int ho, int wo,
                                            int k, int stride, int pad, int include_pad) {
    GRID_STRIDE(i, planes * ho * wo) {
        int ox = (int)(i % wo), oy = (int)((i / wo) % ho);
        const float* src = x + (i / ((long long)ho * wo)) * h * w;
        int y0 = max(0, oy * stride - pad), y1 = min(h, oy * stride - pad + k);
        int x0 = max(0, ox * stride - pad), x1 = min(w, ox * stride - pad + k);
        float s = 0.f;
        for (int a = y0; a < y1; a++)
            for (int b = x0; b < x1; b++) s += src[a * w + b];
        y[i] = s / (float)(include_pad ? k * k : (y1 - y0) * (x1 - x0));
    }
}
