package imfengine.nn;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.ops.Activations;
import imfengine.ops.Arithmetic;
import imfengine.ops.Reductions;
import imfengine.ops.RopeTable;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue "Engine core", composed check: two pre-norm blocks (RMSNorm, QK-norm + RoPE attention,
 * SwiGLU, gated residuals). The JVP matches central differences of a float64 reference; the
 * gradient of a loss of the primal outputs that uses the tangent as a constant matches central
 * differences of the same loss with the tangent frozen.
 */
class ComposedTransformerTest {
    static final int B = 2, L = 5, D = 8, HEADS = 2, HIDDEN = (int) (D * 8.0 / 3.0);

    @Test void jvpAndGradientOfTwoBlocksMatchFiniteDifferences() {
        for (CpuBackend be : Backends.BOTH) check(be);
    }

    private void check(CpuBackend be) {
        SplittableRandom r = new SplittableRandom(7);
        InitStreams init = new InitStreams(11);
        Init.Factory f = Init.Factory.scaledVariance(init, 1.0);
        TransformerBlock b0 = new TransformerBlock("blocks.0", be, D, HEADS, HIDDEN, f);
        TransformerBlock b1 = new TransformerBlock("blocks.1", be, D, HEADS, HIDDEN, f);
        List<Parameter> params = new java.util.ArrayList<>(b0.parameters());
        params.addAll(b1.parameters());
        ParameterStore.pack(be, params);
        // zero-initialised gates and unit norms would hide terms: perturb every parameter
        for (Parameter p : params) {
            float[] v = Host.floats(p.value());
            for (int i = 0; i < v.length; i++) v[i] += (float) (0.3 * OpCheck.gaussian(r));
            be.upload(v, p.value());
        }
        RopeTable rope = RopeTable.of(be, L, D / HEADS);
        float[] x = new float[B * L * D], tx = new float[B * L * D], w = new float[B * L * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) OpCheck.gaussian(r);
            tx[i] = (float) OpCheck.gaussian(r);
            w[i] = (float) OpCheck.gaussian(r);
        }
        Map<String, double[]> ref = new HashMap<>();
        for (Parameter p : params) ref.put(p.name(), Ref.toDouble(Host.floats(p.value())));

        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Shape s = Shape.of(B, L, D);
            Var in = cx.dual(Host.upload(cx, x, s), Host.upload(cx, tx, s));
            Var y = b1.forward(cx, b0.forward(cx, in, rope), rope);
            float[] ty = Host.floats(y.tangent());
            // JVP against central differences of the float64 reference
            double[] xd = Ref.toDouble(x), plus = xd.clone(), minus = xd.clone();
            double h = Tol.FD_STEP;
            for (int i = 0; i < xd.length; i++) { plus[i] += h * tx[i]; minus[i] -= h * tx[i]; }
            double[] yp = reference(ref, plus), ym = reference(ref, minus), fd = new double[yp.length];
            for (int i = 0; i < fd.length; i++) fd[i] = (yp[i] - ym[i]) / (2 * h);
            double jvpErr = Ref.relErr(ty, fd);
            assertTrue(jvpErr <= Tol.DERIVATIVE, be.name() + ": JVP of two blocks vs finite differences, rel err " + jvpErr);

            // loss = Σ w ⊙ (y + sg(ty))²: the tangent enters as a constant
            Var loss = Reductions.sumAll(Arithmetic.mul(Activations.square(Arithmetic.add(y, y.tangentAsConstant())),
                    cx.constant(Host.upload(cx, w, s))));
            Autodiff.backward(loss);
            double[] tyFrozen = Ref.toDouble(ty);
            for (Parameter p : params) {
                double[] theta = ref.get(p.name());
                double[] g = new double[theta.length];
                for (int i = 0; i < theta.length; i++) {
                    double keep = theta[i];
                    theta[i] = keep + h;
                    double lp = lossRef(ref, xd, tyFrozen, w);
                    theta[i] = keep - h;
                    double lm = lossRef(ref, xd, tyFrozen, w);
                    theta[i] = keep;
                    g[i] = (lp - lm) / (2 * h);
                }
                double e = Ref.relErr(Host.floats(p.gradient()), g);
                assertTrue(e <= Tol.DERIVATIVE, be.name() + ": gradient of " + p.name() + " vs finite differences, rel err " + e);
            }
        }
    }

    private static double[] reference(Map<String, double[]> w, double[] x) {
        return RefTransformer.block(w, "blocks.1", RefTransformer.block(w, "blocks.0", x, B, L, D, HEADS, HIDDEN), B, L, D, HEADS, HIDDEN);
    }

    private static double lossRef(Map<String, double[]> w, double[] x, double[] tyFrozen, float[] weights) {
        double[] y = reference(w, x);
        double s = 0;
        for (int i = 0; i < y.length; i++) s += weights[i] * (y[i] + tyFrozen[i]) * (y[i] + tyFrozen[i]);
        return s;
    }
}
