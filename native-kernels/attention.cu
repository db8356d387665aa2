// attention.cu: multi-head attention on q, k, v [B, L, H, Dh] (heads interleaved in the channel axis,
// W = H·Dh), flash style: no L×L score or probability tensor ever reaches global memory.
//
// Math (matches backend/cpu/CpuAttention; row i of pair bh = b·H + h starts at b·L·W + i·W + h·Dh):
//   attention_fwd       s_ij = scale·q_i·k_j, P = softmax_j(s), o_i = Σ_j P_ij v_j, lse_i = m_i + ln l_i
//   attention_jvp       also ds_ij = scale·(tq_i·k_j + q_i·tk_j), μ_i = Σ_j P_ij ds_ij,
//                       to_i = Σ_j P_ij (ds_ij v_j + tv_j) − μ_i o_i          (same online-softmax pass)
//   attention_dq_vjp    D_i = dO_i·o_i (written to dbuf [B·H·L] for the next kernel), P_ij = exp(s_ij − lse_i),
//                       dS_ij = P_ij (dO_i·v_j − D_i), dq_i = scale Σ_j dS_ij k_j
//   attention_dkdv_vjp  dv_j = Σ_i P_ij dO_i, dk_j = scale Σ_i dS_ij q_i   (P and dS recomputed; reads dbuf)
// Online softmax: a running max m, sum l and unnormalised accumulators, rescaled by exp(m_old − m_new)
// once per tile of 32 keys.
//
// Launch geometry (all four): block = 256 threads = 8 warps, one warp per "own" row (a query row for
// fwd/jvp/dq, a key row for dkdv); grid = (ceil(L/8), B·H). The block walks the other rows in tiles of 32,
// staged in dynamic shared memory with rows padded to Dh+1 floats (no bank conflicts); lane j scores
// tile row j, and the lanes then share the 32 weights by shuffles while each lane accumulates channels
// d = lane + 32·t, t < 4. Hence Dh ≤ 128 (checked on the host). Dynamic shared memory, in floats:
//   fwd  2·32·(Dh+1) + 8·Dh         jvp  4·32·(Dh+1) + 16·Dh
//   dq   2·32·(Dh+1) + 16·Dh        dkdv 2·32·(Dh+1) + 64 + 16·Dh
// Outputs (o, to, lse, dq, dk, dv, dbuf) are overwritten (=); inputs are not modified.
#include "common.cuh"

#define TILE 32
#define WARPS 8
#define MAXT 4

// The launch geometry the host reads from this file's PTX (backend/cuda/AttentionGeometry): defined here once.
extern "C" __device__ const int attention_tile = TILE, attention_warps = WARPS, attention_max_head_dim = 32 * MAXT;
// Dynamic shared memory of each kernel, in floats: tiles·TILE·(Dh+1) + rows·Dh + extra (the layouts below).
extern "C" __device__ const int attention_fwd_smem_tiles = 2, attention_fwd_smem_rows = WARPS, attention_fwd_smem_extra = 0;
extern "C" __device__ const int attention_jvp_smem_tiles = 4, attention_jvp_smem_rows = 2 * WARPS, attention_jvp_smem_extra = 0;
extern "C" __device__ const int attention_dq_smem_tiles = 2, attention_dq_smem_rows = 2 * WARPS, attention_dq_smem_extra = 0;
extern "C" __device__ const int attention_dkdv_smem_tiles = 2, attention_dkdv_smem_rows = 2 * WARPS, attention_dkdv_smem_extra = 2 * TILE;

extern __shared__ float smem[];   // dynamic shared memory of every kernel here (sizes above)

// Stages rows r0 .. r0+31 (those < L) of `src` for pair base `base` into `dst` [32][Dh+1], zeros past L.
__device__ __forceinline__ void stage(float* dst, const float* src, long long base, int r0, int L, int W, int Dh) {
    for (int e = threadIdx.x; e < TILE * Dh; e += blockDim.x) {
        int j = e / Dh, d = e % Dh, r = r0 + j;
        dst[j * (Dh + 1) + d] = r < L ? src[base + (long long)r * W + d] : 0.f;
    }
}

// Copies one row (Dh floats) into a warp's shared slot.
__device__ __forceinline__ void own_row(float* dst, const float* src, long long at, int Dh, int lane, bool active) {
    for (int d = lane; d < Dh; d += 32) dst[d] = active ? src[at + d] : 0.f;
}

__device__ __forceinline__ float dot_row(const float* a, const float* tileRow, int Dh) {
    float s = 0.f;
    for (int d = 0; d < Dh; d++) s += a[d] * tileRow[d];
    return s;
}

template <bool DUAL>
__device__ void attention_forward(const float* q, const float* tq, const float* k, const float* tk, const float* v,
                                  const float* tv, float* o, float* to, float* lse, int L, int H, int Dh, float scale) {
    int W = H * Dh, bh = blockIdx.y, b = bh / H, h = bh % H;
    long long base = (long long)b * L * W + (long long)h * Dh;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, i = blockIdx.x * WARPS + warp;
    bool active = i < L;
    int P = Dh + 1;
    float* sK = smem;
    float* sV = sK + TILE * P;
    float* sTK = sV + TILE * P;                       // DUAL only
    float* sTV = sTK + TILE * P;                      // DUAL only
    float* sQ = (DUAL ? sTV + TILE * P : sTK) + warp * Dh * (DUAL ? 2 : 1);
    float* sTQ = sQ + Dh;                             // DUAL only
    long long qi = base + (long long)i * W;
    own_row(sQ, q, qi, Dh, lane, active);
    if (DUAL) own_row(sTQ, tq, qi, Dh, lane, active);

    float m = -INFINITY, l = 0.f, mu = 0.f, acc[MAXT], accT[MAXT];
    #pragma unroll
    for (int t = 0; t < MAXT; t++) { acc[t] = 0.f; accT[t] = 0.f; }
    for (int t0 = 0; t0 < L; t0 += TILE) {
        __syncthreads();
        stage(sK, k, base, t0, L, W, Dh);
        stage(sV, v, base, t0, L, W, Dh);
        if (DUAL) { stage(sTK, tk, base, t0, L, W, Dh); stage(sTV, tv, base, t0, L, W, Dh); }
        __syncthreads();
        if (!active) continue;
        bool valid = t0 + lane < L;
        const float* kr = sK + lane * P;
        float sc = valid ? scale * dot_row(sQ, kr, Dh) : -INFINITY;
        float ds = 0.f;
        if (DUAL && valid) ds = scale * (dot_row(sTQ, kr, Dh) + dot_row(sQ, sTK + lane * P, Dh));
        float mNew = fmaxf(m, warp_max(sc));
        float corr = expf(m - mNew);                  // 0 on the first tile (m = −∞)
        float p = valid ? expf(sc - mNew) : 0.f;
        l = l * corr + warp_sum(p);
        if (DUAL) mu = mu * corr + warp_sum(p * ds);
        #pragma unroll
        for (int t = 0; t < MAXT; t++) { acc[t] *= corr; accT[t] *= corr; }
        int nValid = min(TILE, L - t0);
        for (int jj = 0; jj < nValid; jj++) {
            float pj = __shfl_sync(0xffffffffu, p, jj);
            float pdj = DUAL ? __shfl_sync(0xffffffffu, p * ds, jj) : 0.f;
            #pragma unroll
            for (int t = 0; t < MAXT; t++) {
                int d = lane + 32 * t;
                if (d < Dh) {
                    float vd = sV[jj * P + d];
                    acc[t] += pj * vd;
                    if (DUAL) accT[t] += pdj * vd + pj * sTV[jj * P + d];
                }
            }
        }
        m = mNew;
    }
    if (!active) return;
    float inv = 1.f / l, muN = mu * inv;
    #pragma unroll
    for (int t = 0; t < MAXT; t++) {
        int d = lane + 32 * t;
        if (d < Dh) {
            float od = acc[t] * inv;
            o[qi + d] = od;
            if (DUAL) to[qi + d] = accT[t] * inv - muN * od;
        }
    }
    if (lane == 0) lse[(long long)bh * L + i] = m + logf(l);
}

extern "C" __global__ void attention_fwd_f32(const float* q, const float* k, const float* v, float* o, float* lse,
                                             int L, int H, int Dh, float scale) {
    attention_forward<false>(q, nullptr, k, nullptr, v, nullptr, o, nullptr, lse, L, H, Dh, scale);
}

extern "C" __global__ void attention_jvp_f32(const float* q, const float* tq, const float* k, const float* tk,
                                             const float* v, const float* tv, float* o, float* to, float* lse,
                                             int L, int H, int Dh, float scale) {
    attention_forward<true>(q, tq, k, tk, v, tv, o, to, lse, L, H, Dh, scale);
}

extern "C" __global__ void attention_dq_vjp_f32(const float* q, const float* k, const float* v, const float* o,
                                                const float* lse, const float* dO, float* dq, float* dbuf,
                                                int L, int H, int Dh, float scale) {
    int W = H * Dh, bh = blockIdx.y, b = bh / H, h = bh % H;
    long long base = (long long)b * L * W + (long long)h * Dh;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, i = blockIdx.x * WARPS + warp;
    bool active = i < L;
    int P = Dh + 1;
    float* sK = smem;
    float* sV = sK + TILE * P;
    float* sQ = sV + TILE * P + warp * 2 * Dh;
    float* sDO = sQ + Dh;
    long long qi = base + (long long)i * W;
    own_row(sQ, q, qi, Dh, lane, active);
    own_row(sDO, dO, qi, Dh, lane, active);
    float di = 0.f;
    for (int d = lane; d < Dh; d += 32) di += active ? dO[qi + d] * o[qi + d] : 0.f;
    di = warp_sum(di);
    float lsei = active ? lse[(long long)bh * L + i] : 0.f;
    if (active && lane == 0) dbuf[(long long)bh * L + i] = di;
    float acc[MAXT];
    #pragma unroll
    for (int t = 0; t < MAXT; t++) acc[t] = 0.f;
    for (int t0 = 0; t0 < L; t0 += TILE) {
        __syncthreads();
        stage(sK, k, base, t0, L, W, Dh);
        stage(sV, v, base, t0, L, W, Dh);
        __syncthreads();
        if (!active) continue;
        bool valid = t0 + lane < L;
        float ds = 0.f;
        if (valid) {
            float p = expf(scale * dot_row(sQ, sK + lane * P, Dh) - lsei);
            ds = p * (dot_row(sDO, sV + lane * P, Dh) - di);
        }
        int nValid = min(TILE, L - t0);
        for (int jj = 0; jj < nValid; jj++) {
            float dsj = __shfl_sync(0xffffffffu, ds, jj);
            #pragma unroll
            for (int t = 0; t < MAXT; t++) {
                int d = lane + 32 * t;
                if (d < Dh) acc[t] += dsj * sK[jj * P + d];
            }
        }
    }
    if (!active) return;
    #pragma unroll
    for (int t = 0; t < MAXT; t++) {
        int d = lane + 32 * t;
        if (d < Dh) dq[qi + d] = scale * acc[t];
    }
}

extern "C" __global__ void attention_dkdv_vjp_f32(const float* q, const float* k, const float* v, const float* lse,
                                                  const float* dO, const float* dbuf, float* dk, float* dv,
                                                  int L, int H, int Dh, float scale) {
    int W = H * Dh, bh = blockIdx.y, b = bh / H, h = bh % H;
    long long base = (long long)b * L * W + (long long)h * Dh;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, j = blockIdx.x * WARPS + warp;
    bool active = j < L;
    int P = Dh + 1;
    float* sQ = smem;
    float* sDO = sQ + TILE * P;
    float* sLse = sDO + TILE * P;
    float* sD = sLse + TILE;
    float* sK = sD + TILE + warp * 2 * Dh;
    float* sV = sK + Dh;
    long long kj = base + (long long)j * W;
    own_row(sK, k, kj, Dh, lane, active);
    own_row(sV, v, kj, Dh, lane, active);
    float accK[MAXT], accV[MAXT];
    #pragma unroll
    for (int t = 0; t < MAXT; t++) { accK[t] = 0.f; accV[t] = 0.f; }
    for (int t0 = 0; t0 < L; t0 += TILE) {
        __syncthreads();
        stage(sQ, q, base, t0, L, W, Dh);
        stage(sDO, dO, base, t0, L, W, Dh);
        if (threadIdx.x < TILE) {
            int r = t0 + threadIdx.x;
            sLse[threadIdx.x] = r < L ? lse[(long long)bh * L + r] : 0.f;
            sD[threadIdx.x] = r < L ? dbuf[(long long)bh * L + r] : 0.f;
        }
        __syncthreads();
        if (!active) continue;
        bool valid = t0 + lane < L;
        float p = 0.f, ds = 0.f;
        if (valid) {
            p = expf(scale * dot_row(sK, sQ + lane * P, Dh) - sLse[lane]);
            ds = p * (dot_row(sV, sDO + lane * P, Dh) - sD[lane]);
        }
        int nValid = min(TILE, L - t0);
        for (int ii = 0; ii < nValid; ii++) {
            float pi = __shfl_sync(0xffffffffu, p, ii), dsi = __shfl_sync(0xffffffffu, ds, ii);
            #pragma unroll
            for (int t = 0; t < MAXT; t++) {
                int d = lane + 32 * t;
                if (d < Dh) {
                    accV[t] += pi * sDO[ii * P + d];
                    accK[t] += dsi * sQ[ii * P + d];
                }
            }
        }
    }
    if (!active) return;
    #pragma unroll
    for (int t = 0; t < MAXT; t++) {
        int d = lane + 32 * t;
        if (d < Dh) {
            dk[kj + d] = scale * accK[t];
            dv[kj + d] = accV[t];
        }
    }
}
