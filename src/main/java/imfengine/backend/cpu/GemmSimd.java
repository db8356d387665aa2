package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API micro-kernels for {@link GemmPacked}: one {@code MR×NR} tile of
 * {@code C = alpha·Ap·Bp + beta·C} from packed panels, with the whole tile held in registers.
 *
 * <p>Packed layouts (see {@link GemmPacked}): {@code Ap[p·MR + r]} is {@code A(r, p)} and
 * {@code Bp[p·NR + j]} is {@code B(p, j)}. Each step {@code p} loads {@code NR/L} vectors of B,
 * broadcasts {@code MR} scalars of A and issues {@code MR·NR/L} FMAs. With 16-lane (AVX-512)
 * vectors the 8×32 tile keeps 16 accumulators + 2 B vectors + 1 broadcast in 19 of the 32 zmm
 * registers. {@code beta == 0} overwrites C without reading it (C may hold NaN).
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
    static void kernel8x2(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ao + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ao + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        store(c00, c, co, alpha, beta);
        store(c01, c, co + L, alpha, beta);
        store(c10, c, co + ldc, alpha, beta);
        store(c11, c, co + ldc + L, alpha, beta);
        store(c20, c, co + 2 * ldc, alpha, beta);
        store(c21, c, co + 2 * ldc + L, alpha, beta);
        store(c30, c, co + 3 * ldc, alpha, beta);
        store(c31, c, co + 3 * ldc + L, alpha, beta);
        store(c40, c, co + 4 * ldc, alpha, beta);
        store(c41, c, co + 4 * ldc + L, alpha, beta);
        store(c50, c, co + 5 * ldc, alpha, beta);
        store(c51, c, co + 5 * ldc + L, alpha, beta);
        store(c60, c, co + 6 * ldc, alpha, beta);
        store(c61, c, co + 6 * ldc + L, alpha, beta);
        store(c70, c, co + 7 * ldc, alpha, beta);
        store(c71, c, co + 7 * ldc + L, alpha, beta);
    }

    /** 8×L tile: for the last column panel when at most {@code L} of its columns are live. Bp keeps its NR stride. */
    static void kernel8x1(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector a = FloatVector.broadcast(S, ap[ao]); c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(S, ap[ao + 1]); c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(S, ap[ao + 2]); c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(S, ap[ao + 3]); c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(S, ap[ao + 4]); c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(S, ap[ao + 5]); c50 = a.fma(b0, c50);
            a = FloatVector.broadcast(S, ap[ao + 6]); c60 = a.fma(b0, c60);
            a = FloatVector.broadcast(S, ap[ao + 7]); c70 = a.fma(b0, c70);
        }
        store(c00, c, co, alpha, beta);
        store(c10, c, co + ldc, alpha, beta);
        store(c20, c, co + 2 * ldc, alpha, beta);
        store(c30, c, co + 3 * ldc, alpha, beta);
        store(c40, c, co + 4 * ldc, alpha, beta);
        store(c50, c, co + 5 * ldc, alpha, beta);
        store(c60, c, co + 6 * ldc, alpha, beta);
        store(c70, c, co + 7 * ldc, alpha, beta);
    }

    private static void store(FloatVector acc, float[] c, int i, float alpha, float beta) {
        FloatVector v = acc.mul(alpha);
        if (beta != 0f) v = FloatVector.fromArray(S, c, i).fma(FloatVector.broadcast(S, beta), v);
        v.intoArray(c, i);
    }
}
