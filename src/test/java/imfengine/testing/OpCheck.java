package imfengine.testing;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Context;
import imfengine.autodiff.Var;
import imfengine.backend.Backend;
import imfengine.tensor.Host;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one helper every op test uses: forward against a float64 reference, JVP and VJP against
 * central finite differences of that reference, the adjoint identity, and every backend
 * ({@link Backends#all()}: the CPU's scalar and SIMD paths, CUDA where present) against the scalar
 * reference — one call per op. JVP and VJP come from ONE engine evaluation (dual inputs that are
 * also gradient leaves), as the iMF step uses them.
 *
 * <pre>{@code OpCheck.op("silu").input(3, 37).engine(in -> Activations.silu(in[0])).reference(in -> ...).check();}</pre>
 * Ops without derivatives ({@link #forwardOnly()}) get the forward and backend checks only, on constants
 * under {@code Tape.OFF}.
 */
public final class OpCheck {
    /** The op under test, on engine values. */
    @FunctionalInterface
    public interface EngineOp { Var apply(Var[] in); }

    /** The same function in float64, on flat row-major inputs. */
    @FunctionalInterface
    public interface Reference { double[] apply(double[][] in); }

    /** Draws one input's values. */
    @FunctionalInterface
    public interface Gen { float next(SplittableRandom r); }

    public static final Gen NORMAL = r -> (float) gaussian(r);
    public static final Gen POSITIVE = r -> (float) (0.5 + r.nextDouble() * 1.5);
    public static final Gen AWAY_FROM_ZERO = r -> (float) ((r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble()));

    private final String name;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Gen> gens = new ArrayList<>();
    private EngineOp engine;
    private Reference reference;
    private long seed = 345;
    private double forwardTol = Tol.FORWARD;
    private boolean forwardOnly;

    private OpCheck(String name) { this.name = name; }

    public static OpCheck op(String name) { return new OpCheck(name); }

    public OpCheck input(int... dims) { return input(NORMAL, dims); }

    public OpCheck input(Gen gen, int... dims) {
        shapes.add(Shape.of(dims));
        gens.add(gen);
        return this;
    }

    public OpCheck engine(EngineOp op) { this.engine = op; return this; }

    public OpCheck reference(Reference ref) { this.reference = ref; return this; }

    public OpCheck seed(long seed) { this.seed = seed; return this; }

    /** Loosens the forward tolerance for long float32 sums (say why at the call site). */
    public OpCheck forwardTolerance(double tol) { this.forwardTol = tol; return this; }

    /** The op has no JVP or VJP: only the forward output is checked (against float64 and across backends). */
    public OpCheck forwardOnly() { this.forwardOnly = true; return this; }

    /** Runs every check; fails with the op's name and the measured error. */
    public void check() {
        if (forwardOnly) {
            checkForward();
            return;
        }
        SplittableRandom r = new SplittableRandom(seed);
        int n = shapes.size();
        float[][] x = new float[n][], t = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = draw(gens.get(i), shapes.get(i), r);
            t[i] = draw(NORMAL, shapes.get(i), r);
        }
        double[][] xd = new double[n][];
        for (int i = 0; i < n; i++) xd[i] = Ref.toDouble(x[i]);
        double[] yRef = reference.apply(xd);
        float[] w = draw(NORMAL, Shape.of(yRef.length), r); // output cotangent

        java.util.List<Backend> backends = Backends.all();
        Result[] results = new Result[backends.size()];
        for (int b = 0; b < results.length; b++) results[b] = runEngine(backends.get(b), x, t, w);

        // forward
        for (Result res : results) {
            double e = Ref.relErr(res.y, yRef);
            assertTrue(e <= forwardTol, name + " forward on " + res.backend + ": rel err " + e + " > " + forwardTol);
        }
        // JVP against central differences of the float64 reference along t
        double[] jvpFd = directional(xd, t);
        for (Result res : results) {
            double e = Ref.relErr(res.ty, jvpFd);
            assertTrue(e <= Tol.DERIVATIVE, name + " JVP vs finite differences on " + res.backend + ": rel err " + e);
        }
        // VJP against central differences, element by element
        for (int i = 0; i < n; i++) {
            double[] fd = gradientFd(xd, i, w);
            for (Result res : results) {
                double e = Ref.relErr(res.grads[i], fd);
                assertTrue(e <= Tol.DERIVATIVE, name + " VJP of input " + i + " vs finite differences on " + res.backend + ": rel err " + e);
            }
        }
        // adjoint identity: <J t, w> = <t, J^T w>
        for (Result res : results) {
            double lhs = Ref.dot(res.ty, w), rhs = 0;
            for (int i = 0; i < n; i++) rhs += Ref.dot(t[i], res.grads[i]);
            double e = Math.abs(lhs - rhs) / Math.max(Math.abs(lhs), 1e-6);
            assertTrue(e <= Tol.ADJOINT, name + " adjoint identity on " + res.backend + ": <Jt,w>=" + lhs + " <t,J'w>=" + rhs);
        }
        // every backend agrees with the scalar reference path
        Result s = results[0];
        for (int b = 1; b < results.length; b++) {
            Result v = results[b];
            String vs = " on " + v.backend + " vs " + s.backend + ": ";
            assertTrue(Ref.relErr(v.y, s.y) <= Tol.FUSED, name + " forward" + vs + Ref.relErr(v.y, s.y));
            assertTrue(Ref.relErr(v.ty, s.ty) <= Tol.FUSED, name + " tangent" + vs + Ref.relErr(v.ty, s.ty));
            for (int i = 0; i < n; i++)
                assertTrue(Ref.relErr(v.grads[i], s.grads[i]) <= Tol.FUSED, name + " gradient " + i + vs + Ref.relErr(v.grads[i], s.grads[i]));
        }
    }

    /** The forward output of every backend against the float64 reference and against the scalar path. */
    private void checkForward() {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] x = new float[shapes.size()][];
        double[][] xd = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = draw(gens.get(i), shapes.get(i), r);
            xd[i] = Ref.toDouble(x[i]);
        }
        double[] yRef = reference.apply(xd);
        float[] scalar = null;
        for (Backend be : Backends.all()) {
            float[] y;
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Var[] in = new Var[x.length];
                for (int i = 0; i < x.length; i++) in[i] = cx.constant(Host.upload(cx, x[i], shapes.get(i)));
                Var out = engine.apply(in);
                if (out.value().size() != yRef.length)
                    throw new AssertionError(name + ": engine output " + out.shape() + " has " + out.value().size()
                            + " elements, reference " + yRef.length);
                y = Host.floats(out.value());
            }
            double e = Ref.relErr(y, yRef);
            assertTrue(e <= forwardTol, name + " forward on " + be.name() + ": rel err " + e + " > " + forwardTol);
            if (scalar == null) scalar = y;
            else assertTrue(Ref.relErr(y, scalar) <= Tol.FUSED, name + " forward on " + be.name() + " vs the scalar path: "
                    + Ref.relErr(y, scalar));
        }
    }

    private record Result(String backend, float[] y, float[] ty, float[][] grads) {}

    private Result runEngine(Backend be, float[][] x, float[][] t, float[] w) {
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var[] in = new Var[x.length];
            for (int i = 0; i < x.length; i++)
                in[i] = cx.dualInput(Host.upload(cx, x[i], shapes.get(i)), Host.upload(cx, t[i], shapes.get(i)));
            Var out = engine.apply(in);
            if (out.value().size() != w.length)
                throw new AssertionError(name + ": engine output " + out.shape() + " has " + out.value().size()
                        + " elements, reference " + w.length);
            float[] y = Host.floats(out.value());
            float[] ty = out.hasTangent() ? Host.floats(out.tangent()) : new float[w.length];
            Autodiff.backward(out, Host.upload(cx, w, out.shape()));
            float[][] grads = new float[x.length][];
            for (int i = 0; i < x.length; i++) {
                Tensor g = in[i].grad();
                grads[i] = g == null ? new float[x[i].length] : Host.floats(g);
            }
            return new Result(be.name(), y, ty, grads);
        }
    }

    private double[] directional(double[][] x, float[][] t) {
        double h = Tol.FD_STEP;
        double[][] plus = new double[x.length][], minus = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            plus[i] = x[i].clone();
            minus[i] = x[i].clone();
            for (int j = 0; j < x[i].length; j++) {
                plus[i][j] += h * t[i][j];
                minus[i][j] -= h * t[i][j];
            }
        }
        double[] yp = reference.apply(plus), ym = reference.apply(minus);
        double[] d = new double[yp.length];
        for (int j = 0; j < d.length; j++) d[j] = (yp[j] - ym[j]) / (2 * h);
        return d;
    }

    private double[] gradientFd(double[][] x, int input, float[] w) {
        double h = Tol.FD_STEP;
        double[] g = new double[x[input].length];
        double[] wd = Ref.toDouble(w);
        for (int j = 0; j < g.length; j++) {
            double keep = x[input][j];
            x[input][j] = keep + h;
            double fp = Ref.dot(reference.apply(x), wd);
            x[input][j] = keep - h;
            double fm = Ref.dot(reference.apply(x), wd);
            x[input][j] = keep;
            g[j] = (fp - fm) / (2 * h);
        }
        return g;
    }

    private static float[] draw(Gen gen, Shape s, SplittableRandom r) {
        float[] a = new float[s.intSize()];
        for (int i = 0; i < a.length; i++) a[i] = gen.next(r);
        return a;
    }

    public static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
