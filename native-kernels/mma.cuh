// mma.cuh: one warp-level tensor-core step, D = A·B + C, with A 16×16 bf16 (row), B 16×8 bf16 (col) and
// C, D 16×8 f32: the PTX instruction mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 (sm_80+).
//
// Fragments (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = lane >> 2 and t = lane % 4; each 32-bit register of a and b packs two bf16, the lower-numbered
// element in the low 16 bits:
//   a[0] = A[g][2t], A[g][2t+1]        a[1] = A[g+8][2t], A[g+8][2t+1]
//   a[2] = A[g][2t+8], A[g][2t+9]      a[3] = A[g+8][2t+8], A[g+8][2t+9]
//   b[0] = B[2t][g], B[2t+1][g]        b[1] = B[2t+8][g], B[2t+9][g]
//   c[i], d[i]: C[g + 8·(i/2)][2t + i%2], i < 4
// All 32 lanes of the warp must execute it together (.aligned). d may alias c.
//
// Under the CPU emulator (IMF_EMU) the instruction is replaced by a twin that gathers the 32 lanes'
// fragments into whole matrices with the layout above, multiplies, and scatters D back the same way, so a
// kernel that packs or unpacks fragments wrongly gets a wrong product there too. The twin sums each dot
// product exactly (bf16 products are exact in f32; the sum is kept in double) and rounds once; tensor
// cores accumulate in f32 in an unspecified order, so on non-exact data the GPU can differ in the last bits.
#pragma once

#if defined(IMF_EMU)
namespace imf_emu_mma {

// Row and column of element i of a lane's fragment (a: i < 8, b: i < 4, c/d: i < 4).
inline int a_row(int lane, int i) { return (lane >> 2) + ((i >> 1) & 1) * 8; }
inline int a_col(int lane, int i) { return (lane & 3) * 2 + (i & 1) + (i >> 2) * 8; }
inline int b_row(int lane, int i) { return (lane & 3) * 2 + (i & 1) + (i >> 1) * 8; }
inline int b_col(int lane) { return lane >> 2; }
inline int c_row(int lane, int i) { return (lane >> 2) + (i >> 1) * 8; }
inline int c_col(int lane, int i) { return (lane & 3) * 2 + (i & 1); }

struct In {
    unsigned a[4], b[2];
    float c[4];
};

inline float bf16_half(unsigned reg, int i) { return imf_emu::bf16_to_f32((unsigned short)(reg >> (16 * (i & 1)))); }

inline void resolve(imf_emu::WarpOp* const* lanes, unsigned arrived, unsigned) {
    if (arrived != 0xffffffffu)
        imf_emu::fault("mma.sync.m16n8k16 needs all 32 lanes of the warp, but only lanes 0x%08x took part", arrived);
    float A[16][16], B[16][8], C[16][8];
    for (int l = 0; l < 32; l++) {
        const In& in = *(const In*)lanes[l]->in;
        for (int i = 0; i < 8; i++) A[a_row(l, i)][a_col(l, i)] = bf16_half(in.a[i >> 1], i);
        for (int i = 0; i < 4; i++) B[b_row(l, i)][b_col(l)] = bf16_half(in.b[i >> 1], i);
        for (int i = 0; i < 4; i++) C[c_row(l, i)][c_col(l, i)] = in.c[i];
    }
    for (int l = 0; l < 32; l++) {
        float* d = (float*)lanes[l]->out;
        for (int i = 0; i < 4; i++) {
            int r = c_row(l, i), n = c_col(l, i);
            double s = C[r][n];
            for (int k = 0; k < 16; k++) s += (double)A[r][k] * B[k][n];
            d[i] = (float)s;
        }
    }
}

}  // namespace imf_emu_mma
#endif

__device__ __forceinline__ void mma_bf16_16816(float d[4], const unsigned a[4], const unsigned b[2], const float c[4]) {
#if defined(IMF_EMU)
    imf_emu_mma::In in{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}, {c[0], c[1], c[2], c[3]}};
    float out[4];
    imf_emu::WarpOp op{"mma.sync.m16n8k16.bf16", imf_emu::op_key(imf_emu::OP_MMA, 0), imf_emu_mma::resolve, &in, out};
    imf_emu::warp_collective(0xffffffffu, op);
    for (int i = 0; i < 4; i++) d[i] = out[i];
#else
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#endif
}
