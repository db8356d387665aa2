package imfengine.backend.cpu;

import imfengine.backend.AttentionSpec;
import imfengine.testing.FreshThread;
import imfengine.testing.Ref;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AttentionAmx} (products on AMX tiles, softmax rows in Java) against a float64 reference, with the bound
 * {@link AttentionSimd} meets on the same inputs; the dual's {@code o} and {@code lse} have the forward's bits; a pair's
 * results do not depend on the other pairs; reused, poisoned scratch gives the bits of fresh scratch. The shapes have
 * row counts that are not multiples of four or of a tile (130, 137) and a {@code Dh} that is not a multiple of 32 (40).
 */
class AttentionAmxTest {
    /**
     * Relative error (norm of the difference over the reference's) both paths stay within, float64 as the truth. Seen
     * 2026-12-04: AMX 3.5·10⁻⁸ (lse) to 3.0·10⁻⁷ (dq), the vector kernels 3.5·10⁻⁸ to 3.9·10⁻⁷.
     */
    private static final double BOUND = 1e-6;
    private static final int[][] SHAPES = {{1, 130, 2, 32}, {2, 137, 1, 64}, {1, 128, 1, 40}};

    private AmxLibrary amx;

    @BeforeEach void needsAmx() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        amx = AmxLibrary.get().orElse(null);
        Assumptions.assumeTrue(amx != null, "no AMX on this machine: " + AmxLibrary.status());
    }

    @Test void takesLongHeadsOnly() {
        assertTrue(AttentionAmx.takes(spec(new int[] {4, 216, 3, 64})));
        assertTrue(AttentionAmx.takes(spec(new int[] {1, 128, 1, 32})));
        assertFalse(AttentionAmx.takes(spec(new int[] {16, 69, 3, 32})), "xs heads stay on AttentionSimd");
        assertFalse(AttentionAmx.takes(spec(new int[] {1, 256, 1, 16})));
    }

    @Test void theBackendSendsLongHeadsHereAndShortOnesToTheVectorKernels() {
        WorkerPool pool = new WorkerPool(2);
        for (int[] c : new int[][] {{2, 130, 2, 32}, {2, 69, 3, 32}}) {
            AttentionSpec s = spec(c);
            float[][] in = inputs(s);
            int n = (int) s.elements(), rows = s.batch() * s.heads() * s.length();
            float[] o = new float[n], lse = new float[rows], dq = new float[n], dk = new float[n], dv = new float[n];
            new CpuAttention(pool, true, true).forward(s, in[0], in[2], in[4], o, lse);
            new CpuAttention(pool, true, true).backward(s, in[0], in[2], in[4], o, lse, in[6], dq, dk, dv);
            float[][] direct = allKernels(s, in, AttentionAmx.takes(s));
            assertArrayEquals(direct[0], o, "o of " + s);
            assertArrayEquals(direct[1], lse, "lse of " + s);
            assertArrayEquals(direct[5], dq, "dq of " + s);
            assertArrayEquals(direct[7], dv, "dv of " + s);
        }
    }

    @Test void asAccurateAsTheVectorKernelsAgainstFloat64() {
        for (int[] c : SHAPES) {
            AttentionSpec s = spec(c);
            float[][] in = inputs(s);
            double[][] ref = reference(s, in);
            float[][] onAmx = allKernels(s, in, true), onSimd = allKernels(s, in, false);
            String[] names = {"o", "lse", "dual o", "to", "dual lse", "dq", "dk", "dv"};
            int[] refOf = {0, 1, 0, 2, 1, 3, 4, 5};
            for (int i = 0; i < names.length; i++) {
                double eAmx = Ref.relErr(onAmx[i], ref[refOf[i]]), eSimd = Ref.relErr(onSimd[i], ref[refOf[i]]);
                String what = names[i] + " of " + s + ": amx " + eAmx + ", simd " + eSimd;
                assertTrue(eAmx <= BOUND, what);
                assertTrue(eSimd <= BOUND, what);
            }
        }
    }

    @Test void theDualsPrimalHasTheForwardsBits() {
        for (int[] c : SHAPES) {
            AttentionSpec s = spec(c);
            float[][] out = allKernels(s, inputs(s), true);
            assertArrayEquals(out[0], out[2], "o of " + s);
            assertArrayEquals(out[1], out[4], "lse of " + s);
        }
    }

    @Test void aPairsResultsDoNotDependOnTheOtherPairs() {
        AttentionSpec one = new AttentionSpec(1, 130, 1, 32, 0.2f), three = new AttentionSpec(3, 130, 1, 32, 0.2f);
        float[][] inOne = inputs(one), inThree = inputs(three);
        for (int i = 0; i < inOne.length; i++) System.arraycopy(inOne[i], 0, inThree[i], 0, inOne[i].length);
        float[][] a = allKernels(one, inOne, true), b = allKernels(three, inThree, true);
        for (int i = 0; i < a.length; i++)
            assertArrayEquals(a[i], java.util.Arrays.copyOf(b[i], a[i].length), "output " + i + ": pair 0 alone and among three");
    }

    @Test void reusedPoisonedScratchGivesTheBitsOfFreshScratch() throws InterruptedException {
        for (int[] c : SHAPES) {
            AttentionSpec s = spec(c);
            float[][] in = inputs(s);
            float[][] fresh = FreshThread.run(() -> allKernels(s, in, true));
            AttentionSpec big = new AttentionSpec(1, 150, 2, 48, 0.2f);
            allKernels(big, inputs(big), true); // grows this thread's scratch past what s needs
            AttentionAmx.scratch().poison();
            float[][] reused = allKernels(s, in, true);
            for (int i = 0; i < fresh.length; i++) {
                String what = "output " + i + " of " + s;
                for (float x : reused[i]) assertTrue(Float.isFinite(x), what + " not finite");
                assertArrayEquals(fresh[i], reused[i], what);
            }
        }
    }

    private static AttentionSpec spec(int[] c) { return new AttentionSpec(c[0], c[1], c[2], c[3], (float) (1 / Math.sqrt(c[3]))); }

    /** q, tq, k, tk, v, tv, dO: Gaussian, clipped to ±1.5 as after the norms that precede attention. */
    private static float[][] inputs(AttentionSpec s) {
        int n = (int) s.elements();
        Random r = new Random(n);
        float[][] in = new float[7][n];
        for (float[] x : in) for (int i = 0; i < n; i++) x[i] = (float) Math.max(-1.5, Math.min(1.5, r.nextGaussian()));
        return in;
    }

    /** o, lse; the dual's o, to, lse; dq, dk, dv (the backward on the forward's o and lse). */
    private float[][] allKernels(AttentionSpec s, float[][] in, boolean onAmx) {
        int n = (int) s.elements(), pairs = s.batch() * s.heads(), rows = pairs * s.length();
        float[] q = in[0], tq = in[1], k = in[2], tk = in[3], v = in[4], tv = in[5], dO = in[6];
        float[] o = new float[n], lse = new float[rows], od = new float[n], to = new float[n], lsed = new float[rows];
        float[] dq = new float[n], dk = new float[n], dv = new float[n];
        if (onAmx) {
            AttentionAmx.forward(amx, s, q, k, v, o, lse, 0, pairs);
            AttentionAmx.dual(amx, s, q, tq, k, tk, v, tv, od, to, lsed, 0, pairs);
            AttentionAmx.backward(amx, s, q, k, v, o, lse, dO, dq, dk, dv, 0, pairs);
        } else {
            AttentionSimd.forward(s, q, k, v, o, lse, 0, pairs);
            AttentionSimd.dual(s, q, tq, k, tk, v, tv, od, to, lsed, 0, pairs);
            AttentionSimd.backward(s, q, k, v, o, lse, dO, dq, dk, dv, 0, pairs);
        }
        return new float[][] {o, lse, od, to, lsed, dq, dk, dv};
    }

    /** float64: o, lse, to, dq, dk, dv, by the formulas of {@link CpuAttention}'s comment. */
    private static double[][] reference(AttentionSpec s, float[][] in) {
        int len = s.length(), w = s.width(), dh = s.headDim(), n = (int) s.elements();
        double scale = s.scale();
        float[] q = in[0], tq = in[1], k = in[2], tk = in[3], v = in[4], tv = in[5], dO = in[6];
        double[] o = new double[n], lse = new double[s.batch() * s.heads() * len], to = new double[n];
        double[] dq = new double[n], dk = new double[n], dv = new double[n];
        double[][] p = new double[len][len], ds = new double[len][len];
        for (int bh = 0; bh < s.batch() * s.heads(); bh++) {
            int base = CpuAttention.base(s, bh);
            for (int i = 0; i < len; i++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < len; j++) {
                    double sc = 0, t = 0;
                    for (int d = 0; d < dh; d++) {
                        int qi = base + i * w + d, kj = base + j * w + d;
                        sc += (double) q[qi] * k[kj];
                        t += (double) tq[qi] * k[kj] + (double) q[qi] * tk[kj];
                    }
                    p[i][j] = sc * scale;
                    ds[i][j] = t * scale;
                    max = Math.max(max, p[i][j]);
                }
                for (int j = 0; j < len; j++) sum += p[i][j] = Math.exp(p[i][j] - max);
                double mu = 0;
                for (int j = 0; j < len; j++) mu += (p[i][j] /= sum) * ds[i][j];
                lse[bh * len + i] = max + Math.log(sum);
                for (int d = 0; d < dh; d++) {
                    double od = 0, tod = 0;
                    for (int j = 0; j < len; j++) {
                        od += p[i][j] * v[base + j * w + d];
                        tod += p[i][j] * (ds[i][j] * v[base + j * w + d] + tv[base + j * w + d]);
                    }
                    o[base + i * w + d] = od;
                    to[base + i * w + d] = tod - mu * od;
                }
            }
            for (int i = 0; i < len; i++) {
                double di = 0;
                for (int d = 0; d < dh; d++) di += dO[base + i * w + d] * o[base + i * w + d];
                for (int j = 0; j < len; j++) {
                    double dp = 0;
                    for (int d = 0; d < dh; d++) dp += (double) dO[base + i * w + d] * v[base + j * w + d];
                    double dsc = p[i][j] * (dp - di);
                    for (int d = 0; d < dh; d++) {
                        dq[base + i * w + d] += scale * dsc * k[base + j * w + d];
                        dk[base + j * w + d] += scale * dsc * q[base + i * w + d];
                        dv[base + j * w + d] += p[i][j] * dO[base + i * w + d];
                    }
                }
            }
        }
        return new double[][] {o, lse, to, dq, dk, dv};
    }
}
