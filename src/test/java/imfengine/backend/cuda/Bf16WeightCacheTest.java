package imfengine.backend.cuda;

import imfengine.backend.AdamWStep;
import imfengine.backend.GemmSpec;
import imfengine.backend.Precision;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bf16 copy of a parameter buffer ({@link Bf16WeightCache}) against casting per GEMM: the same cast kernel and
 * the same GEMM, so every product must be bit-identical, after every kind of write into the buffer; the copy is
 * cast once per change, not per GEMM; and a write the backend cannot see (a raw device copy) does leave it stale,
 * which these comparisons catch.
 */
@Tag("gpu")
class Bf16WeightCacheTest {
    /** The flat "parameter" buffer: 600 floats; the weight is a 20×30 view at offset 40 of it (with room after). */
    static final int FLAT = 700, OFF = 40, K = 20, N = 30, M = 7;

    /** A [M, K] activation times the [K, N] weight view, as {@code Linear} multiplies, B transposed or not. */
    static GemmSpec linear(boolean transB) {
        return transB ? new GemmSpec(1, M, K, N, false, true, N, N, K, 0, 0, 0, 0, OFF, 0, 1f, 0f)
                : new GemmSpec(1, M, N, K, false, false, K, N, N, 0, 0, 0, 0, OFF, 0, 1f, 0f);
    }

    /** A cached and an uncached bf16 backend on one device, each with its own buffer marked as parameters. */
    private static final class Pair {
        final CudaBackend cached, perGemm;
        final Tensor flatC, flatP, xC, xP;

        Pair(CudaBackend cuda) {
            cached = new CudaBackend(cuda.device(), Precision.BF16, CudaBackend.WeightCasts.ONCE_PER_CHANGE);
            perGemm = new CudaBackend(cuda.device(), Precision.BF16, CudaBackend.WeightCasts.EVERY_GEMM);
            float[] w = values(FLAT, 1), x = values(M * Math.max(K, N), 2);
            flatC = upload(cached, w);
            flatP = upload(perGemm, w);
            cached.markParameters(flatC);
            perGemm.markParameters(flatP);
            xC = upload(cached, x);
            xP = upload(perGemm, x);
        }

        /** The product on both backends; asserts the bits agree and returns the cached one. */
        float[] product(boolean transB) {
            float[] c = gemm(cached, xC, flatC, transB), p = gemm(perGemm, xP, flatP, transB);
            assertArrayEquals(p, c, "cached bf16 weights vs casting per GEMM, transB=" + transB);
            return c;
        }

        /** The same write on both buffers, through the backend. */
        void write(Consumer<Tensor> onCached, Consumer<Tensor> onPerGemm) {
            onCached.accept(flatC);
            onPerGemm.accept(flatP);
        }
    }

    @Test void everyWriteThroughTheBackendRefreshesTheCopy() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Pair p = new Pair(cuda);
        float[] before = p.product(false);
        p.product(true);
        assertEquals(1, p.cached.weightCopyCounts().casts(), "two GEMMs on an unchanged buffer: one cast of it");
        assertEquals(0, p.perGemm.weightCopyCounts().casts());

        float[] fresh = values(K * N, 3);
        p.write(t -> p.cached.upload(fresh, t.view(OFF, Shape.of(K * N))), t -> p.perGemm.upload(fresh, t.view(OFF, Shape.of(K * N))));
        float[] afterUpload = p.product(false);
        assertFalse(java.util.Arrays.equals(before, afterUpload), "the upload changed the weights, so the product must change");
        assertEquals(2, p.cached.weightCopyCounts().casts());

        p.write(t -> p.cached.fill(t.view(OFF + 5, Shape.of(3)), 0.5), t -> p.perGemm.fill(t.view(OFF + 5, Shape.of(3)), 0.5));
        p.product(true);
        Tensor srcC = upload(p.cached, values(K, 4)), srcP = upload(p.perGemm, values(K, 4));
        p.write(t -> p.cached.copy(srcC, t.view(OFF + 100, Shape.of(K))), t -> p.perGemm.copy(srcP, t.view(OFF + 100, Shape.of(K))));
        p.product(false);
        p.write(t -> p.cached.axpby(0.5f, t, 0.25f, null, t), t -> p.perGemm.axpby(0.5f, t, 0.25f, null, t));
        p.product(false);
        Tensor gC = upload(p.cached, values(FLAT, 5)), gP = upload(p.perGemm, values(FLAT, 5));
        Tensor[] mvC = {zeros(p.cached), zeros(p.cached)}, mvP = {zeros(p.perGemm), zeros(p.perGemm)};
        AdamWStep st = new AdamWStep(0.05f, 0.9f, 0.95f, 1e-8f, 0.01f, 1);
        p.write(t -> p.cached.adamw(t, gC, mvC[0], mvC[1], st), t -> p.perGemm.adamw(t, gP, mvP[0], mvP[1], st));
        p.product(true);
        assertEquals(6, p.cached.weightCopyCounts().casts(), "one cast per write that a GEMM then read");

        // reads of the buffer by other kernels are not writes: no recast
        Tensor outC = p.cached.allocate(Shape.of(FLAT), DType.F32);
        p.cached.copy(p.flatC, outC);
        p.cached.emaUpdate(outC, p.flatC, 0.9f);
        p.product(false);
        assertEquals(6, p.cached.weightCopyCounts().casts(), "copies out of the buffer and EMA reads of it leave the copy fresh");
    }

    /**
     * The mutant: a write the backend does not see (a raw device copy after taking the address) leaves the copy stale,
     * and the comparison with casting per GEMM fails, as it would for any write path that forgot to count.
     */
    @Test void aWriteTheBackendCannotSeeLeavesTheCopyStaleAndTheComparisonCatchesIt() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        Pair p = new Pair(cuda);
        long addrC = p.cached.deviceAddress(p.flatC), addrP = p.perGemm.deviceAddress(p.flatP); // counted as writes (NCCL's in-place use)
        p.product(false);
        float[] fresh = values(FLAT, 6);
        p.cached.device().copyToDevice(fresh, addrC);
        p.perGemm.device().copyToDevice(fresh, addrP);
        float[] stale = gemm(p.cached, p.xC, p.flatC, false), right = gemm(p.perGemm, p.xP, p.flatP, false);
        assertFalse(java.util.Arrays.equals(right, stale), "a raw write behind the backend's back must show as a stale product");
        assertEquals(1, p.cached.weightCopyCounts().casts());
    }

    /** Operands outside every marked buffer (activations) are cast per GEMM, and the product is still the plain bf16 one. */
    @Test void operandsOutsideTheBufferAreCastPerGemm() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        CudaBackend cached = new CudaBackend(cuda.device(), Precision.BF16), perGemm = new CudaBackend(cuda.device(), Precision.BF16,
                CudaBackend.WeightCasts.EVERY_GEMM);
        Tensor flat = upload(cached, values(FLAT, 7)), x = upload(cached, values(M * N, 8)), w = upload(cached, values(FLAT, 9));
        cached.markParameters(flat);
        float[] c = gemm(cached, x, w, false);
        assertEquals(0, cached.weightCopyCounts().casts(), "no operand in the marked buffer");
        assertArrayEquals(gemm(perGemm, upload(perGemm, values(M * N, 8)), upload(perGemm, values(FLAT, 9)), false), c);
    }

    static float[] gemm(CudaBackend be, Tensor x, Tensor flat, boolean transB) {
        Tensor c = be.allocate(Shape.of(M * Math.max(K, N)), DType.F32);
        be.gemm(linear(transB), x, flat, c);
        float[] out = Host.floats(c);
        c.storage().release();
        return out;
    }

    static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return v;
    }

    static Tensor upload(CudaBackend be, float[] v) {
        Tensor t = be.allocate(Shape.of(v.length), DType.F32);
        be.upload(v, t);
        return t;
    }

    static Tensor zeros(CudaBackend be) {
        Tensor t = be.allocate(Shape.of(FLAT), DType.F32);
        be.fill(t, 0);
        return t;
    }
}
