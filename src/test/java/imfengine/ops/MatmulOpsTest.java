package imfengine.ops;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Host;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Plain, transposed, batched and Linear-layer products. */
class MatmulOpsTest {

    @Test void allTransposeCombinations() {
        int m = 5, n = 7, k = 17;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true})
                OpCheck.op("matmul ta=" + ta + " tb=" + tb)
                        .input(ta ? k : m, ta ? m : k).input(tb ? n : k, tb ? k : n)
                        .engine(in -> Matmul.matmul(in[0], ta, in[1], tb))
                        .reference(in -> ref(1, m, n, k, in[0], ta, in[1], tb)).check();
    }

    @Test void batchedLikeAttentionHeads() {
        int batch = 3, m = 6, n = 6, k = 5;
        OpCheck.op("batched q·kᵀ").input(batch, m, k).input(batch, n, k)
                .engine(in -> Matmul.matmul(in[0], false, in[1], true))
                .reference(in -> ref(batch, m, n, k, in[0], false, in[1], true)).check();
        OpCheck.op("batched aᵀ·b").input(batch, k, m).input(batch, k, n)
                .engine(in -> Matmul.matmul(in[0], true, in[1], false))
                .reference(in -> ref(batch, m, n, k, in[0], true, in[1], false)).check();
    }

    @Test void linearFlattensLeadingAxes() {
        int b = 2, l = 3, din = 19, dout = 6;
        OpCheck.op("linear").input(b, l, din).input(dout, din).input(dout)
                .engine(in -> Matmul.linear(in[0], in[1], in[2]))
                .reference(in -> {
                    double[] y = ref(1, b * l, dout, din, in[0], false, in[1], true);
                    for (int i = 0; i < y.length; i++) y[i] += in[2][i % dout];
                    return y;
                }).check();
    }

    /**
     * Cotangents summed from several uses: {@code h} feeds two Linear layers (the second's GEMM adds into the
     * cotangent the first left, {@code beta = 1}) and an add that hands one cotangent to both its inputs (summed
     * out of place), {@code w1} is used twice (added into the input's own gradient), and {@code x} feeds both
     * silu and a Linear layer.
     */
    @Test void cotangentsOfSeveralUsesAreSummed() {
        int rows = 6, din = 8, dout = 5;
        OpCheck.op("fan-out of Linear inputs").input(2, 3, din).input(dout, din).input(dout, din).input(dout, din)
                .engine(in -> {
                    Var h = Activations.silu(in[0]);
                    Var s = Arithmetic.add(h, h);
                    Var y = Arithmetic.add(Matmul.linear(s, in[1], null), Matmul.linear(h, in[2], null));
                    return Arithmetic.add(Arithmetic.add(y, Matmul.linear(h, in[3], null)), Matmul.linear(in[0], in[1], null));
                })
                .reference(in -> {
                    double[] h = new double[in[0].length], s = new double[h.length];
                    for (int i = 0; i < h.length; i++) {
                        h[i] = in[0][i] / (1 + Math.exp(-in[0][i]));
                        s[i] = 2 * h[i];
                    }
                    double[] y = ref(1, rows, dout, din, s, false, in[1], true), y2 = ref(1, rows, dout, din, h, false, in[2], true),
                            y3 = ref(1, rows, dout, din, h, false, in[3], true), y4 = ref(1, rows, dout, din, in[0], false, in[1], true);
                    for (int i = 0; i < y.length; i++) y[i] += y2[i] + y3[i] + y4[i];
                    return y;
                }).check();
    }

    /**
     * {@code linears}: three bias-free layers of one input in one call (the q, k, v projections), each output the
     * product with its own weight (combined asymmetrically, so outputs handed back in another order fail), with
     * tangents and gradients through all three.
     */
    @Test void linearsOfOneInput() {
        int b = 2, l = 5, din = 19, dout = 6;
        OpCheck.op("linears").input(b, l, din).input(dout, din).input(dout, din).input(dout, din)
                .engine(in -> {
                    Var[] y = Matmul.linears(in[0], in[1], in[2], in[3]);
                    return Arithmetic.sub(y[0], Arithmetic.mul(y[1], Activations.silu(y[2])));
                })
                .reference(in -> {
                    double[] y0 = ref(1, b * l, dout, din, in[0], false, in[1], true), y1 = ref(1, b * l, dout, din, in[0], false, in[2], true),
                            y2 = ref(1, b * l, dout, din, in[0], false, in[3], true);
                    for (int i = 0; i < y0.length; i++) y0[i] -= y1[i] * y2[i] / (1 + Math.exp(-y2[i]));
                    return y0;
                }).check();
    }

    /**
     * The model's case, which OpCheck (tangents on every input) does not reach: weights without tangents, so
     * {@code linears} runs its products in one call, for the values and for the input's tangent. Every value,
     * tangent and gradient is that of one {@code linear} per weight, bit for bit, on each backend.
     */
    @Test void linearsMatchOneLinearEachWhenOnlyTheInputHasATangent() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = draw(r, 2 * 5 * 19), tx = draw(r, x.length), w0 = draw(r, 6 * 19), w1 = draw(r, 6 * 19), w2 = draw(r, 7 * 19);
        for (Backend be : Backends.all()) {
            float[][] fused = run(be, true, x, tx, w0, w1, w2), single = run(be, false, x, tx, w0, w1, w2);
            for (int i = 0; i < fused.length; i++) assertArrayEquals(single[i], fused[i], be.name() + ", result " + i);
        }
    }

    /** The three outputs, their tangents, and the gradients of x and the weights of an asymmetric loss. */
    private static float[][] run(Backend be, boolean fused, float[] x, float[] tx, float[]... w) {
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var xv = cx.dualInput(Host.upload(cx, x, 2, 5, 19), Host.upload(cx, tx, 2, 5, 19));
            Var[] wv = new Var[w.length];
            for (int i = 0; i < w.length; i++) wv[i] = cx.input(Host.upload(cx, w[i], w[i].length / 19, 19));
            Var[] y = fused ? Matmul.linears(xv, wv) : new Var[] {Matmul.linear(xv, wv[0], null), Matmul.linear(xv, wv[1], null), Matmul.linear(xv, wv[2], null)};
            Var loss = Reductions.sumAll(Arithmetic.add(Reductions.sumLastAxis(Arithmetic.sub(y[0], Arithmetic.mul(y[1], y[1]))),
                    Reductions.sumLastAxis(Activations.silu(y[2]))));
            Autodiff.backward(loss);
            List<float[]> out = new ArrayList<>();
            for (Var v : y) {
                out.add(Host.floats(v.value()));
                out.add(Host.floats(v.tangent()));
            }
            out.add(Host.floats(xv.grad()));
            for (Var v : wv) out.add(Host.floats(v.grad()));
            return out.toArray(new float[0][]);
        }
    }

    private static float[] draw(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) OpCheck.gaussian(r);
        return a;
    }

    /** Naive float64 {@code op(A)·op(B)} per batch. */
    static double[] ref(int batch, int m, int n, int k, double[] a, boolean ta, double[] b, boolean tb) {
        double[] c = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[bi * m * k + p * m + i] : a[bi * m * k + i * k + p];
                        double bv = tb ? b[bi * n * k + j * k + p] : b[bi * n * k + p * n + j];
                        s += av * bv;
                    }
                    c[bi * m * n + i * n + j] = s;
                }
        return c;
    }
}
