package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernels for {@link GemmPacked}: one {@code MR×NR} tile of
 * {@code C = alpha·Ap·Bp + beta·C} from packed panels, with the whole tile held in registers.
 *
 * <p>A is read at {@code a[ao + r·ars + p·aps]} for row {@code r}, step {@code p}: a packed
 * panel ({@code ars = 1, aps = MR}) or A in place ({@code ars = lda, aps = 1}, or the transpose).
 * B is always a packed panel: {@code bp[bo + p·NR + j]} is {@code B(p, j)}. Each step {@code p} loads {@code NR/L} vectors of B,
 * broadcasts {@code MR} scalars of A and issues {@code MR·NR/L} FMAs. With 16-lane (AVX-512)
 * vectors the 8×32 tile keeps 16 accumulators + 2 B vectors + 1 broadcast in 19 of the 32 zmm
 * registers. {@code beta == 0} overwrites C without reading it (C may hold NaN). The epilogue is
 * written out instead of calling a store helper: C2's node-count cutoff left half of 16 helper
 * calls un-inlined, boxing their vectors (measured ~3× slower on k = 32 tiles).
 * Keep the kernels this small: a version with masked edge stores inlined (2.9 KB of bytecode)
 * made C1 give up ("out of virtual registers"), and in some runs the method then stayed at a C1
 * tier without Vector API intrinsics, at ~1 GFLOP/s. Edge tiles therefore go through a tile buffer.
 * Loaded only when SIMD is on: this is the one GEMM class that touches {@code jdk.incubator.vector}.
 */
final class GemmSimd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector (16 on AVX-512). */
    static final int L = S.length();
    /** Tile rows. */
    static final int MR = 8;
    /** Tile columns: two vectors. */
    static final int NR = 2 * L;

    private GemmSimd() {}

    /** Full 8×NR tile, both vectors of each row stored. */
    static void kernel8x2(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo,
                          float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        for (int p = 0; p < kc; p++, ao += aps, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[ao]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ao + a1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ao + a2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ao + a3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ao + a4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ao + a5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ao + a6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ao + a7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co); c01.mul(va).intoArray(c, co + L);
            c10.mul(va).intoArray(c, co + ldc); c11.mul(va).intoArray(c, co + ldc + L);
            c20.mul(va).intoArray(c, co + 2 * ldc); c21.mul(va).intoArray(c, co + 2 * ldc + L);
            c30.mul(va).intoArray(c, co + 3 * ldc); c31.mul(va).intoArray(c, co + 3 * ldc + L);
            c40.mul(va).intoArray(c, co + 4 * ldc); c41.mul(va).intoArray(c, co + 4 * ldc + L);
            c50.mul(va).intoArray(c, co + 5 * ldc); c51.mul(va).intoArray(c, co + 5 * ldc + L);
            c60.mul(va).intoArray(c, co + 6 * ldc); c61.mul(va).intoArray(c, co + 6 * ldc + L);
            c70.mul(va).intoArray(c, co + 7 * ldc); c71.mul(va).intoArray(c, co + 7 * ldc + L);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, co).fma(vb, c00.mul(va)).intoArray(c, co);
            FloatVector.fromArray(S, c, co + L).fma(vb, c01.mul(va)).intoArray(c, co + L);
            FloatVector.fromArray(S, c, co + ldc).fma(vb, c10.mul(va)).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + ldc + L).fma(vb, c11.mul(va)).intoArray(c, co + ldc + L);
            FloatVector.fromArray(S, c, co + 2 * ldc).fma(vb, c20.mul(va)).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc + L).fma(vb, c21.mul(va)).intoArray(c, co + 2 * ldc + L);
            FloatVector.fromArray(S, c, co + 3 * ldc).fma(vb, c30.mul(va)).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc + L).fma(vb, c31.mul(va)).intoArray(c, co + 3 * ldc + L);
            FloatVector.fromArray(S, c, co + 4 * ldc).fma(vb, c40.mul(va)).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc + L).fma(vb, c41.mul(va)).intoArray(c, co + 4 * ldc + L);
            FloatVector.fromArray(S, c, co + 5 * ldc).fma(vb, c50.mul(va)).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc + L).fma(vb, c51.mul(va)).intoArray(c, co + 5 * ldc + L);
            FloatVector.fromArray(S, c, co + 6 * ldc).fma(vb, c60.mul(va)).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc + L).fma(vb, c61.mul(va)).intoArray(c, co + 6 * ldc + L);
            FloatVector.fromArray(S, c, co + 7 * ldc).fma(vb, c70.mul(va)).intoArray(c, co + 7 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc + L).fma(vb, c71.mul(va)).intoArray(c, co + 7 * ldc + L);
        }
    }

    /** 8×L tile: for the last column panel when at most {@code L} of its columns are live. Bp keeps its NR stride. */
    static void kernel8x1(int kc, float[] a, int ao, int ars, int aps, float[] bp, int bo,
                          float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        int a1 = ars, a2 = 2 * ars, a3 = 3 * ars, a4 = 4 * ars, a5 = 5 * ars, a6 = 6 * ars, a7 = 7 * ars;
        for (int p = 0; p < kc; p++, ao += aps, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector x = FloatVector.broadcast(S, a[ao]); c00 = x.fma(b0, c00);
            x = FloatVector.broadcast(S, a[ao + a1]); c10 = x.fma(b0, c10);
            x = FloatVector.broadcast(S, a[ao + a2]); c20 = x.fma(b0, c20);
            x = FloatVector.broadcast(S, a[ao + a3]); c30 = x.fma(b0, c30);
            x = FloatVector.broadcast(S, a[ao + a4]); c40 = x.fma(b0, c40);
            x = FloatVector.broadcast(S, a[ao + a5]); c50 = x.fma(b0, c50);
            x = FloatVector.broadcast(S, a[ao + a6]); c60 = x.fma(b0, c60);
            x = FloatVector.broadcast(S, a[ao + a7]); c70 = x.fma(b0, c70);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(va).intoArray(c, co);
            c10.mul(va).intoArray(c, co + ldc);
            c20.mul(va).intoArray(c, co + 2 * ldc);
            c30.mul(va).intoArray(c, co + 3 * ldc);
            c40.mul(va).intoArray(c, co + 4 * ldc);
            c50.mul(va).intoArray(c, co + 5 * ldc);
            c60.mul(va).intoArray(c, co + 6 * ldc);
            c70.mul(va).intoArray(c, co + 7 * ldc);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, co).fma(vb, c00.mul(va)).intoArray(c, co);
            FloatVector.fromArray(S, c, co + ldc).fma(vb, c10.mul(va)).intoArray(c, co + ldc);
            FloatVector.fromArray(S, c, co + 2 * ldc).fma(vb, c20.mul(va)).intoArray(c, co + 2 * ldc);
            FloatVector.fromArray(S, c, co + 3 * ldc).fma(vb, c30.mul(va)).intoArray(c, co + 3 * ldc);
            FloatVector.fromArray(S, c, co + 4 * ldc).fma(vb, c40.mul(va)).intoArray(c, co + 4 * ldc);
            FloatVector.fromArray(S, c, co + 5 * ldc).fma(vb, c50.mul(va)).intoArray(c, co + 5 * ldc);
            FloatVector.fromArray(S, c, co + 6 * ldc).fma(vb, c60.mul(va)).intoArray(c, co + 6 * ldc);
            FloatVector.fromArray(S, c, co + 7 * ldc).fma(vb, c70.mul(va)).intoArray(c, co + 7 * ldc);
        }
    }
}
