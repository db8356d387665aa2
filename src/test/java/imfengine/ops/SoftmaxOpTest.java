package imfengine.ops;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Var;
import imfengine.testing.FusedCheck;
import imfengine.testing.OpCheck;
import imfengine.testing.Unfused;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Softmax over the last axis: row lengths straddle the 16-lane SIMD width. */
class SoftmaxOpTest {

    @Test void againstReferenceAndFiniteDifferences() {
        for (int n : new int[]{1, 5, 16, 17, 37})
            OpCheck.op("softmax[3, " + n + "]").input(3, n).engine(in -> Softmax.lastAxis(in[0]))
                    .reference(in -> reference(in[0], n)).check();
        OpCheck.op("softmax[2, 3, 7]").input(2, 3, 7).engine(in -> Softmax.lastAxis(in[0]))
                .reference(in -> reference(in[0], 7)).check();
    }

    @Test void largeLogitsDoNotOverflow() {
        // exp(100) overflows float32 without the max subtraction
        OpCheck.op("softmax shifted by 100").input(2, 19)
                .engine(in -> Softmax.lastAxis(Arithmetic.add(in[0], in[0].context().constant(Host.upload(in[0].context(), new float[]{100f}, imfengine.tensor.Shape.of(1))))))
                .reference(in -> reference(in[0], 19)).check();
    }

    @Test void knownCase() {
        try (Context cx = Context.open(imfengine.testing.Backends.SIMD, Context.Tape.OFF)) {
            float[] y = Host.floats(Softmax.lastAxis(cx.constant(Host.upload(cx, new float[]{0f, (float) Math.log(3)}, imfengine.tensor.Shape.of(1, 2)))).value());
            assertArrayEquals(new float[]{0.25f, 0.75f}, y, 1e-7f);
        }
    }

    @Test void primalOnlyPath() {
        // parameters without tangents take the plain forward kernel: y and dx = y ⊙ (w − Σ y·w) in float64
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int n : new int[]{5, 17, 40}) {
            int rows = 3;
            float[] x = new float[rows * n], w = new float[rows * n];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) OpCheck.gaussian(r);
                w[i] = (float) OpCheck.gaussian(r);
            }
            double[] y = reference(imfengine.testing.Ref.toDouble(x), n), dx = new double[x.length];
            for (int row = 0; row < rows; row++) {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += y[row * n + j] * w[row * n + j];
                for (int j = 0; j < n; j++) dx[row * n + j] = y[row * n + j] * (w[row * n + j] - dot);
            }
            for (var be : imfengine.testing.Backends.BOTH) {
                try (Context cx = Context.open(be, Context.Tape.RECORD)) {
                    var shape = imfengine.tensor.Shape.of(rows, n);
                    Var in = cx.input(Host.upload(cx, x, shape));
                    Var out = Softmax.lastAxis(in);
                    imfengine.autodiff.Autodiff.backward(out, Host.upload(cx, w, shape));
                    double ey = imfengine.testing.Ref.relErr(Host.floats(out.value()), y);
                    double eg = imfengine.testing.Ref.relErr(Host.floats(in.grad()), dx);
                    assertTrue(!out.hasTangent() && ey <= imfengine.testing.Tol.FORWARD && eg <= imfengine.testing.Tol.FORWARD,
                            "softmax plain path n=" + n + " on " + be.name() + ": y err " + ey + ", dx err " + eg);
                }
            }
        }
    }

    @Test void fusedDualMatchesExpSumDiv() {
        for (int n : new int[]{5, 17, 70})
            FusedCheck.op("softmax[4, " + n + "]").input(4, n)
                    .fused(in -> Softmax.lastAxis(in[0]))
                    .unfused(in -> Unfused.softmax(in[0])).check();
    }

    /** Float64 softmax of each {@code n}-long row. */
    static double[] reference(double[] x, int n) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) max = Math.max(max, x[r * n + j]);
            for (int j = 0; j < n; j++) sum += y[r * n + j] = Math.exp(x[r * n + j] - max);
            for (int j = 0; j < n; j++) y[r * n + j] /= sum;
        }
        return y;
    }
}
