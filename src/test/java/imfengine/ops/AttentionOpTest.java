package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.testing.Backends;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Unfused;
import imfengine.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fused attention on {@code [B, L, H·Dh]}: against a float64 reference and finite differences, against
 * the composition of unfused ops (permute, batched matmul, scale, softmax), and shape validation.
 * Sizes exercise SIMD tails over keys (L not a multiple of 16) and over Dh (3, 5, 17), one, two and
 * three vectors of Dh (16, 32, 48 with 16 lanes; 64), query groups of four with a partial last group
 * and sequences shorter than a group (L = 1, 2, 3), and long rows (L = 150: several key vectors and,
 * in the scalar reference, many rescalings of the online softmax).
 */
class AttentionOpTest {
    /** Moderate magnitudes (|x| ≤ 1.5) keep scores O(1), as after the RMSNorm that precedes attention. */
    private static final OpCheck.Gen MODERATE = r -> (float) Math.max(-1.5, Math.min(1.5, OpCheck.gaussian(r)));

    @Test void againstReferenceAndFiniteDifferences() {
        check(2, 5, 2, 3);
        check(2, 7, 2, 5);
        check(1, 17, 1, 17);
        check(2, 7, 2, 32);
        check(2, 3, 1, 16);
        check(1, 2, 2, 48);
    }

    @Test void fusedMatchesUnfusedComposition() {
        fused(2, 5, 2, 3);
        fused(2, 7, 3, 32);
        fused(1, 20, 2, 17);
        fused(3, 1, 2, 8);
        fused(1, 6, 1, 64);
        fused(1, 20, 1, 64);  // dK, dV: 6 keys × 4 Dh vectors a pass on AVX-512, then single keys
        fused(1, 29, 2, 80);  // ... then a fifth Dh vector alone
    }

    @Test void longRows() {
        fused(1, 150, 2, 4);
        fused(1, 69, 3, 32);
        fused(1, 130, 2, 32); // AttentionAmx where the CPU has AMX (heads of 128 rows and more)
    }

    @Test void knownCaseUniformScores() {
        // with k = 0 all scores are equal, so every output row is the mean of v's rows
        float[] v = {1, 2, 3, 4, 5, 6};
        try (Context cx = Context.open(Backends.SIMD, Context.Tape.OFF)) {
            Var z = cx.constant(cx.zeros(Shape.of(1, 3, 2)));
            Var q = cx.constant(Host.upload(cx, new float[]{1, -2, 0.5f, 3, -1, 1}, Shape.of(1, 3, 2)));
            Var o = Attention.apply(q, z, cx.constant(Host.upload(cx, v, Shape.of(1, 3, 2))), 1);
            assertArrayEquals(new float[]{3, 4, 3, 4, 3, 4}, Host.floats(o.value()), 1e-6f);
        }
    }

    @Test void primalOnlyForwardKernelAndItsLse() {
        // without tangents the plain forward kernel runs, and its lse feeds the backward
        primalPath(2, 9, 2, 5);
        primalPath(1, 7, 1, 32);
        primalPath(1, 150, 2, 4);
    }

    @Test void primalOnlyAndDualForwardAgree() {
        // the plain forward kernel and the dual kernel give the same o (and the dual's tangent is used)
        int b = 2, l = 9, h = 2, dh = 5;
        float[][] x = new float[3][b * l * h * dh];
        SplittableRandom r = new SplittableRandom(7);
        for (float[] a : x) for (int i = 0; i < a.length; i++) a[i] = MODERATE.next(r);
        Shape s = Shape.of(b, l, h * dh);
        try (Context cx = Context.open(Backends.SIMD, Context.Tape.OFF)) {
            Var[] c = new Var[3], d = new Var[3];
            for (int i = 0; i < 3; i++) {
                c[i] = cx.constant(Host.upload(cx, x[i], s));
                d[i] = i == 1 ? cx.dual(Host.upload(cx, x[i], s), Host.upload(cx, x[(i + 1) % 3], s)) : c[i];
            }
            float[] plain = Host.floats(Attention.apply(c[0], c[1], c[2], h).value());
            Var dual = Attention.apply(d[0], d[1], d[2], h);
            assertTrue(dual.hasTangent());
            assertTrue(imfengine.testing.Ref.relErr(Host.floats(dual.value()), plain) <= imfengine.testing.Tol.FUSED);
        }
    }

    @Test void rejectsBadShapes() {
        Context cx = Context.open(Backends.SIMD, Context.Tape.OFF);
        Var a = cx.constant(cx.zeros(Shape.of(2, 5, 12))), b = cx.constant(cx.zeros(Shape.of(2, 6, 12)));
        var e = assertThrows(IllegalArgumentException.class, () -> Attention.apply(a, b, a, 2));
        assertTrue(e.getMessage().contains("attention: q [2, 5, 12] and k [2, 6, 12] differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.apply(a, a, b, 2));
        assertTrue(e.getMessage().contains("and v [2, 6, 12] differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Attention.apply(a, a, a, 5));
        assertTrue(e.getMessage().contains("not divisible by 5 heads"), e.getMessage());
        Var flat = cx.constant(cx.zeros(Shape.of(10, 12)));
        e = assertThrows(IllegalArgumentException.class, () -> Attention.apply(flat, flat, flat, 2));
        assertTrue(e.getMessage().contains("attention: q [10, 12] must have rank 3"), e.getMessage());
        cx.close();
    }

    /** Parameters without tangents: o against the float64 reference, gradients against the dual path's. */
    private static void primalPath(int b, int l, int h, int dh) {
        Shape s = Shape.of(b, l, h * dh);
        SplittableRandom r = new SplittableRandom(11);
        double[][] x = new double[3][s.intSize()];
        float[][] xf = new float[3][s.intSize()];
        float[] w = new float[s.intSize()];
        for (int i = 0; i < 3; i++) for (int j = 0; j < w.length; j++) x[i][j] = xf[i][j] = MODERATE.next(r);
        for (int j = 0; j < w.length; j++) w[j] = (float) OpCheck.gaussian(r);
        double[] ref = reference(x[0], x[1], x[2], b, l, h, dh);
        for (var be : Backends.BOTH) {
            try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                Var[] plain = new Var[3], dual = new Var[3];
                for (int i = 0; i < 3; i++) {
                    plain[i] = cx.input(Host.upload(cx, xf[i], s));
                    dual[i] = cx.dualInput(Host.upload(cx, xf[i], s), cx.zeros(s));
                }
                Var o = Attention.apply(plain[0], plain[1], plain[2], h), od = Attention.apply(dual[0], dual[1], dual[2], h);
                String at = "attention primal path L=" + l + " Dh=" + dh + " on " + be.name();
                double e = imfengine.testing.Ref.relErr(Host.floats(o.value()), ref);
                assertTrue(!o.hasTangent() && e <= imfengine.testing.Tol.FORWARD, at + ": forward rel err " + e);
                imfengine.autodiff.Autodiff.backward(o, Host.upload(cx, w, s));
                imfengine.autodiff.Autodiff.backward(od, Host.upload(cx, w, s));
                for (int i = 0; i < 3; i++) {
                    e = imfengine.testing.Ref.relErr(Host.floats(plain[i].grad()), Host.floats(dual[i].grad()));
                    assertTrue(e <= imfengine.testing.Tol.FUSED, at + ": gradient " + i + " vs dual path, rel err " + e);
                }
            }
        }
    }

    private static void check(int b, int l, int h, int dh) {
        OpCheck.op("attention B=" + b + " L=" + l + " H=" + h + " Dh=" + dh)
                .input(MODERATE, b, l, h * dh).input(MODERATE, b, l, h * dh).input(MODERATE, b, l, h * dh)
                .engine(in -> Attention.apply(in[0], in[1], in[2], h))
                .reference(in -> reference(in[0], in[1], in[2], b, l, h, dh)).check();
    }

    private static void fused(int b, int l, int h, int dh) {
        FusedCheck.op("attention B=" + b + " L=" + l + " H=" + h + " Dh=" + dh).values(MODERATE)
                .input(b, l, h * dh).input(b, l, h * dh).input(b, l, h * dh)
                .fused(in -> Attention.apply(in[0], in[1], in[2], h))
                .unfused(in -> Unfused.attention(in[0], in[1], in[2], h)).check();
    }

    /** Naive float64 attention on flat {@code [B, L, H·Dh]} arrays. */
    static double[] reference(double[] q, double[] k, double[] v, int b, int l, int h, int dh) {
        int w = h * dh;
        double scale = 1 / Math.sqrt(dh);
        double[] o = new double[q.length], p = new double[l];
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++) {
                int base = bi * l * w + hi * dh;
                for (int i = 0; i < l; i++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < l; j++) {
                        double s = 0;
                        for (int d = 0; d < dh; d++) s += q[base + i * w + d] * k[base + j * w + d];
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j < l; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int j = 0; j < l; j++)
                        for (int d = 0; d < dh; d++) o[base + i * w + d] += p[j] / sum * v[base + j * w + d];
                }
            }
        return o;
    }
}
