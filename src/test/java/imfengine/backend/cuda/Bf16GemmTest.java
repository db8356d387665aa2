package imfengine.backend.cuda;

import imfengine.backend.GemmSpec;
import imfengine.backend.Precision;
import imfengine.tensor.Bf16;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The GEMMs of {@code --precision bf16} (A and B rounded to bf16, fp32 accumulation, fp32 C) against float64
 * references, element by element, with bounds derived from the arithmetic rather than fitted:
 * <ul>
 * <li>Against the product of the <em>bf16-rounded</em> inputs (rounded here by {@link Bf16#fromFloat}, nearest
 *     even): only fp32 accumulation separates them, so {@code |c − ĉ| ≤ (k+3)·2⁻²³·(|α|·Σ|ã||b̃| + |β|·|c₀|)}
 *     (γ_k of a k-term sum in any order, plus the α and β roundings, with 2⁻²³ for adds that may truncate). This fails if the inputs are rounded
 *     elsewhere, another way (truncation) or not at all.</li>
 * <li>Against the exact product of the fp32 inputs: each bf16 input is within a relative u = 2⁻⁸ (8 significant
 *     bits, nearest), so each product is within 2u + u², and {@code |c − c*| ≤ (2u + u² + (k+3)·2⁻²³)·(|α|Σ|a||b| + |β||c₀|)}.
 *     Typically far less (rounding errors of random sign cancel: norm-wise about u/√3·√2 ≈ 3e-3).</li>
 * <li>And bf16 must show: the norm-wise difference from the exact product is at least u/16 (fp32 GEMMs are
 *     ~1e-7), so a precision flag that is silently ignored fails.</li>
 * </ul>
 * Under the emulator the rounding is the cast kernel's and the product the CPU's; on a GPU, cuBLAS's
 * {@code cublasGemmEx} with compute type 32F.
 */
@Tag("gpu")
class Bf16GemmTest {
    /** bf16 unit roundoff (8 significant bits); an fp32 add that rounds (2⁻²⁴) or, as tensor cores may, truncates (2⁻²³). */
    static final double U = 0x1p-8, FP32 = 0x1p-23;

    @TestFactory List<DynamicTest> bf16GemmsWithinTheirBounds() {
        CudaBackend cuda = Backends.cuda();
        assumeTrue(cuda != null, "no CUDA device and no kernel emulator (make emu)");
        CudaBackend bf16 = new CudaBackend(cuda.device(), Precision.BF16);
        List<DynamicTest> out = new ArrayList<>();
        int m = 33, n = 17, k = 300;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true})
                for (int batch : new int[]{1, 3}) {
                    GemmSpec s = GemmSpec.batched(batch, m, n, k, ta, tb, 0.75f, batch == 1 ? 0f : 0.5f);
                    out.add(dynamicTest("bf16 gemm transA=" + ta + " transB=" + tb + " batch=" + batch,
                            () -> check(bf16, s, batch * m * k, batch * k * n, batch * m * n)));
                }
        // sub-matrices of larger buffers, as views pass them: leading dimensions, offsets and batch strides
        GemmSpec views = new GemmSpec(2, 5, 6, 70, false, true, 80, 75, 8, 3, 2, 1, 400, 460, 50, 1f, 0.25f);
        out.add(dynamicTest("bf16 gemm with lda/ldb/ldc, offsets and strides", () -> check(bf16, views, 800, 920, 100)));
        return out;
    }

    private static void check(CudaBackend be, GemmSpec s, int sizeA, int sizeB, int sizeC) {
        SplittableRandom r = new SplittableRandom(20261201L ^ s.hashCode());
        float[] a = normals(r, sizeA), b = normals(r, sizeB), c0 = normals(r, sizeC);
        Tensor ta = upload(be, a), tb = upload(be, b), tc = upload(be, c0);
        be.gemm(s, ta, tb, tc);
        float[] got = new float[sizeC];
        be.download(tc, got);
        double[][] exact = reference(s, a, b, c0, false), rounded = reference(s, a, b, c0, true);
        double worstRounded = 0, worstExact = 0, diff2 = 0, ref2 = 0;
        for (int i = 0; i < sizeC; i++) {
            if (Double.isNaN(exact[0][i])) continue; // not part of C's matrices
            double e = Math.abs(got[i] - rounded[0][i]), bound = (s.k() + 3) * FP32 * rounded[1][i];
            worstRounded = Math.max(worstRounded, e / bound);
            double e2 = Math.abs(got[i] - exact[0][i]), bound2 = (2 * U + U * U + (s.k() + 3) * FP32) * exact[1][i];
            worstExact = Math.max(worstExact, e2 / bound2);
            diff2 += e2 * e2;
            ref2 += exact[0][i] * exact[0][i];
        }
        double normwise = Math.sqrt(diff2 / ref2);
        System.out.printf("bf16 gemm %s: error / fp32-accumulation bound %.3f, error / bf16 bound %.3f, norm-wise vs exact %.2e%n",
                s, worstRounded, worstExact, normwise);
        assertTrue(worstRounded <= 1, "not the product of bf16-rounded (nearest even) inputs: " + worstRounded + "× the fp32 bound");
        assertTrue(worstExact <= 1, "beyond the bf16 bound: " + worstExact + "× it");
        assertTrue(normwise >= U / 16, "norm-wise error " + normwise + " is fp32-like: were the inputs rounded to bf16?");
        for (Tensor t : new Tensor[]{ta, tb, tc}) t.storage().release();
    }

    /**
     * {@code [0]}: {@code alpha·op(A)·op(B) + beta·C₀} in float64 with A and B as given or bf16-rounded, NaN where C
     * is not written; {@code [1]}: {@code |alpha|·Σ|a||b| + |beta|·|c₀|}, the scale of the error bounds.
     */
    static double[][] reference(GemmSpec s, float[] a, float[] b, float[] c0, boolean roundToBf16) {
        double[] c = new double[c0.length], scale = new double[c0.length];
        java.util.Arrays.fill(c, Double.NaN);
        for (int bi = 0; bi < s.batch(); bi++)
            for (int i = 0; i < s.m(); i++)
                for (int j = 0; j < s.n(); j++) {
                    double sum = 0, abs = 0;
                    for (int l = 0; l < s.k(); l++) {
                        long ia = s.offA() + bi * s.strideA() + (s.transA() ? (long) l * s.lda() + i : (long) i * s.lda() + l);
                        long ib = s.offB() + bi * s.strideB() + (s.transB() ? (long) j * s.ldb() + l : (long) l * s.ldb() + j);
                        double x = value(a[(int) ia], roundToBf16), y = value(b[(int) ib], roundToBf16);
                        sum += x * y;
                        abs += Math.abs(x * y);
                    }
                    int ic = (int) (s.offC() + bi * s.strideC() + (long) i * s.ldc() + j);
                    double beta = s.beta() == 0 ? 0 : s.beta() * (double) c0[ic]; // beta = 0 ignores C, as cuBLAS does
                    c[ic] = s.alpha() * sum + beta;
                    scale[ic] = Math.abs(s.alpha()) * abs + Math.abs(beta);
                }
        return new double[][]{c, scale};
    }

    private static double value(float x, boolean roundToBf16) { return roundToBf16 ? Bf16.toFloat(Bf16.fromFloat(x)) : x; }

    private static float[] normals(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) OpCheck.gaussian(r);
        return v;
    }

    private static Tensor upload(CudaBackend be, float[] v) {
        Tensor t = be.allocate(Shape.of(v.length), DType.F32);
        be.upload(v, t);
        return t;
    }
}
