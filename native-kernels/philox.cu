// philox.cu: the Philox4x32-10 counter-based generator (Salmon et al., SC'11), word for word as
// imfengine.random.Philox / RandomStream, so draws made on the device equal those made on the host.
//
// Math: block n of stream (s0, s1) under key (k0, k1) is Philox10((ctr_lo, ctr_hi, s0, s1), (k0, k1)) with
// the 64-bit counter ctr = first + n. Per round, with M0 = 0xD2511F53, M1 = 0xCD9E8D57:
//   (c0, c1, c2, c3) ← (hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2), hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)); k += (0x9E3779B9, 0xBB67AE85)
//   philox_uniform_fwd  out[i] = lo + (hi − lo)·(word_i >> 8)·2⁻²⁴            (RandomStream.fillUniform)
//   philox_normal_fwd   out[i] = √(−2 ln(1 − u1))·cos(2π u2), u1, u2 the 53-bit doubles of block i
//                       (RandomStream.normal: exactly one block per normal when the stream starts fresh)
// Launch: 1-D grid-stride, 256 threads per block, one thread per output. out: =.

__device__ __forceinline__ void philox_block(unsigned c0, unsigned c1, unsigned c2, unsigned c3, unsigned k0, unsigned k1,
                                             unsigned* o) {
    const unsigned M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    #pragma unroll
    for (int round = 0; round < 10; round++) {
        unsigned long long p0 = (unsigned long long)M0 * c0, p1 = (unsigned long long)M1 * c2;
        unsigned n0 = (unsigned)(p1 >> 32) ^ c1 ^ k0, n1 = (unsigned)p1;
        unsigned n2 = (unsigned)(p0 >> 32) ^ c3 ^ k1, n3 = (unsigned)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += W0; k1 += W1;
    }
    o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
}

__device__ __forceinline__ void block_at(unsigned long long ctr, unsigned s0, unsigned s1, unsigned k0, unsigned k1, unsigned* o) {
    philox_block((unsigned)ctr, (unsigned)(ctr >> 32), s0, s1, k0, k1, o);
}

extern "C" __global__ void philox_uniform_fwd_f32(float* out, long long count, unsigned long long first,
                                                  unsigned s0, unsigned s1, unsigned k0, unsigned k1, float lo, float hi) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)blockDim.x * gridDim.x) {
        unsigned w[4];
        block_at(first + i / 4, s0, s1, k0, k1, w);
        // explicit rounding: no fused multiply-add, so the float result equals Java's lo + (hi − lo)·u
        out[i] = __fadd_rn(lo, __fmul_rn(hi - lo, __fmul_rn((float)(w[i % 4] >> 8), 0x1.0p-24f)));
    }
}

extern "C" __global__ void philox_normal_fwd_f32(float* out, long long count, unsigned long long first,
                                                 unsigned s0, unsigned s1, unsigned k0, unsigned k1) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)blockDim.x * gridDim.x) {
        unsigned w[4];
        block_at(first + i, s0, s1, k0, k1, w);
        double u1 = ((double)((w[0] >> 5) & 0x7FFFFFFu) * 67108864.0 + (double)((w[1] >> 6) & 0x3FFFFFFu)) * 0x1.0p-53;
        double u2 = ((double)((w[2] >> 5) & 0x7FFFFFFu) * 67108864.0 + (double)((w[3] >> 6) & 0x3FFFFFFu)) * 0x1.0p-53;
        out[i] = (float)(sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * 3.141592653589793 * u2));
    }
}
