package imfengine.imf;

import imfengine.autodiff.Context;
import imfengine.tensor.Host;
import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.nn.ImfDiT;
import imfengine.nn.Parameter;
import imfengine.nn.RefImfDiT;
import imfengine.tensor.Shape;
import imfengine.testing.Backends;
import imfengine.testing.Ref;
import imfengine.testing.Tol;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole-network checks of IMF_SPEC.md §6 on a small random model. */
class ImfNetworkTest {
    static final int B = 4;
    final CpuBackend be = Backends.SIMD;

    @Test void forwardMatchesFloat64Reference() {
        ImfDiT net = TinyModels.perturbed(be, 3, 0.2);
        RefImfDiT ref = new RefImfDiT(TinyModels.weights(net), TinyModels.TINY);
        float[] x = TinyModels.images(B, 5);
        float[] h = {0f, 0.3f, 0.7f, 1f}, om = {1f, 2f, 4.5f, 8f}, lo = {0f, 0.1f, 0.2f, 0.4f}, hi = {1f, 0.6f, 0.9f, 0.5f};
        int[] y = {0, 1, 2, 3};
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            ImfDiT.Output out = net.forward(cx, cx.constant(Host.upload(cx, x, img(B))), cx.constant(Host.upload(cx, h, B)),
                    conditions(cx, om, lo, hi, y), ImfDiT.Heads.BOTH);
            double[][] r = ref.forward(Ref.toDouble(x), Ref.toDouble(h), Ref.toDouble(om), Ref.toDouble(lo), Ref.toDouble(hi), y, true);
            assertTrue(Ref.relErr(Host.floats(out.u().value()), r[0]) <= Tol.FORWARD * 10, "u vs reference: " + Ref.relErr(Host.floats(out.u().value()), r[0]));
            assertTrue(Ref.relErr(Host.floats(out.v().value()), r[1]) <= Tol.FORWARD * 10, "v vs reference");
        }
    }

    /** §6: du equals (u(z + εv_c, h + ε) − u(z − εv_c, h − ε)) / 2ε, here of the float64 reference. */
    @Test void duMatchesFiniteDifferenceAlongPredictedVelocity() {
        for (CpuBackend backend : Backends.BOTH) {
            ImfDiT net = TinyModels.perturbed(backend, 4, 0.2);
            RefImfDiT ref = new RefImfDiT(TinyModels.weights(net), TinyModels.TINY);
            float[] z = TinyModels.images(B, 6), vc = TinyModels.images(B, 7);
            float[] h = {0.05f, 0.3f, 0.6f, 0.9f}, om = {1.5f, 2f, 3f, 7f}, lo = {0f, 0.2f, 0.1f, 0.3f}, hi = {1f, 0.7f, 0.8f, 0.6f};
            int[] y = {2, 0, 3, 1};
            try (Context cx = Context.open(backend, Context.Tape.RECORD)) {
                Var zVar = cx.dual(Host.upload(cx, z, img(B)), Host.upload(cx, vc, img(B)));
                Var hVar = cx.dual(Host.upload(cx, h, B), cx.full(Shape.of(B), 1));
                float[] du = Host.floats(net.forward(cx, zVar, hVar, conditions(cx, om, lo, hi, y), ImfDiT.Heads.U).u().tangent());
                double eps = Tol.FD_STEP;
                double[] zp = Ref.toDouble(z), zm = Ref.toDouble(z), hp = Ref.toDouble(h), hm = Ref.toDouble(h);
                for (int i = 0; i < zp.length; i++) { zp[i] += eps * vc[i]; zm[i] -= eps * vc[i]; }
                for (int i = 0; i < B; i++) { hp[i] += eps; hm[i] -= eps; }
                double[] up = ref.forward(zp, hp, Ref.toDouble(om), Ref.toDouble(lo), Ref.toDouble(hi), y, false)[0];
                double[] um = ref.forward(zm, hm, Ref.toDouble(om), Ref.toDouble(lo), Ref.toDouble(hi), y, false)[0];
                double[] fd = new double[up.length];
                for (int i = 0; i < fd.length; i++) fd[i] = (up[i] - um[i]) / (2 * eps);
                double e = Ref.relErr(du, fd);
                assertTrue(e <= Tol.DERIVATIVE, backend.name() + ": du vs finite difference, rel err " + e);
            }
        }
    }

    /** The full iMF loss: its parameter gradient against central differences with the same draws and stop-gradients. */
    @Test void lossGradientMatchesFiniteDifferencesForEveryModuleType() {
        ImfDiT net = TinyModels.perturbed(be, 8, 0.2);
        Map<String, double[]> w = TinyModels.weights(net);
        RefImfDiT ref = new RefImfDiT(w, TinyModels.TINY);
        ObjectiveConfig oc = ObjectiveConfig.paper();
        int pixels = 64;
        float[] x = TinyModels.images(B, 9);
        int[] labels = {0, 1, 2, 1};
        RecordingProbe f = new RecordingProbe();
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            StepDraws d = StepDraws.draw(cx, oc, img(B), 21, 1, 0);
            ImfObjective.Result r = new ImfObjective(oc, f).loss(cx, net, Host.upload(cx, x, img(B)), Host.upload(cx, labels), d);
            Autodiff.backward(r.loss());
            double[] z = Ref.toDouble(f.z), h = new double[B];
            float[] t = Host.floats(d.t()), rr = Host.floats(d.r());
            for (int i = 0; i < B; i++) h[i] = t[i] - rr[i];
            double[] omega = Ref.toDouble(Host.floats(d.omega())), tMin = Ref.toDouble(Host.floats(d.tMin())), tMax = Ref.toDouble(Host.floats(d.tMax()));
            java.util.function.DoubleSupplier loss = () -> {
                double[][] uv = ref.forward(z, h, omega, tMin, tMax, f.labels, true);
                double total = 0;
                for (int i = 0; i < B; i++) {
                    double lu = 0, lv = 0;
                    for (int j = i * pixels; j < (i + 1) * pixels; j++) {
                        double cu = uv[0][j] + h[i] * f.du[j] - f.target[j], cv = uv[1][j] - f.target[j];
                        lu += cu * cu;
                        lv += cv * cv;
                    }
                    total += lu * f.weightU[i] + lv * f.weightV[i];
                }
                return total / B;
            };
            SplittableRandom pick = new SplittableRandom(1);
            java.util.Set<String> types = new java.util.TreeSet<>();
            for (Parameter p : net.parameters()) {
                double[] theta = w.get(p.name());
                float[] g = Host.floats(p.gradient());
                int checks = Math.min(theta.length, 6);
                double[] fd = new double[checks];
                float[] eng = new float[checks];
                for (int c = 0; c < checks; c++) {
                    int i = pick.nextInt(theta.length);
                    double keep = theta[i], eps = Tol.FD_STEP;
                    theta[i] = keep + eps;
                    double lp = loss.getAsDouble();
                    theta[i] = keep - eps;
                    double lm = loss.getAsDouble();
                    theta[i] = keep;
                    fd[c] = (lp - lm) / (2 * eps);
                    eng[c] = g[i];
                }
                double e = Ref.relErr(eng, fd);
                assertTrue(e <= Tol.DERIVATIVE, "gradient of " + p.name() + " vs finite differences: rel err " + e);
                types.add(p.name().replaceAll("\\.\\d+\\.", ".N."));
            }
            assertTrue(types.size() > 30, "checked parameter kinds: " + types);
        }
    }

    /** The dual forward records exactly the tape entries of a plain forward: tangent work is never on the tape. */
    @Test void dualForwardRecordsNoTangentWork() {
        ImfDiT net = TinyModels.perturbed(be, 2, 0.1);
        float[] x = TinyModels.images(B, 1), t = TinyModels.images(B, 2);
        float[] h = {0.1f, 0.2f, 0.3f, 0.4f}, om = {1f, 2f, 3f, 4f}, lo = new float[B], hi = {1f, 1f, 1f, 1f};
        int[] y = {0, 1, 2, 0};
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            long n0 = Autodiff.tapeNodesCreated();
            net.forward(cx, cx.constant(Host.upload(cx, x, img(B))), cx.constant(Host.upload(cx, h, B)),
                    conditions(cx, om, lo, hi, y), ImfDiT.Heads.BOTH);
            long plain = Autodiff.tapeNodesCreated() - n0;
            long n1 = Autodiff.tapeNodesCreated();
            ImfDiT.Output dual = net.forward(cx, cx.dual(Host.upload(cx, x, img(B)), Host.upload(cx, t, img(B))),
                    cx.dual(Host.upload(cx, h, B), cx.full(Shape.of(B), 1)), conditions(cx, om, lo, hi, y), ImfDiT.Heads.BOTH);
            long withTangent = Autodiff.tapeNodesCreated() - n1;
            assertTrue(dual.u().hasTangent());
            assertTrue(plain > 100, "a forward records its primal ops: " + plain);
            assertEquals(plain, withTangent, "tape entries of the dual forward");
        }
    }

    /** §6: a model whose final layers are zero predicts u = 0, so sampling returns the initial noise. */
    @Test void samplingWithZeroFinalLayersReturnsTheNoise() {
        ImfDiT net = new ImfDiT(TinyModels.TINY, be, 5, false);
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            float[] out = Host.floats(Sampler.sample(cx, net, Host.upload(cx, new int[]{0, 1, 2}), new Sampler.Guidance(3f, 0.2f, 0.8f), 2, 99));
            float[] z = Host.floats(Sampler.initialNoise(cx, img(3), 99));
            assertArrayEquals(z, out);
        }
    }

    static ImfDiT.Conditions conditions(Context cx, float[] omega, float[] tMin, float[] tMax, int[] labels) {
        int b = labels.length;
        return new ImfDiT.Conditions(Host.upload(cx, omega, b), Host.upload(cx, tMin, b), Host.upload(cx, tMax, b), Host.upload(cx, labels));
    }

    static Shape img(int b) { return Shape.of(b, 8, 8, 1); }
}
