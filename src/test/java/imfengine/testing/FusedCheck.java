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
 * A fused op against the composition of the unfused ops it replaces, on every backend
 * ({@link Backends#all()}): primal, tangent and every input's gradient must agree to
 * {@link Tol#FUSED}. The fused op is run twice, with dual inputs (its primal+tangent kernel) and with
 * plain gradient leaves (its primal-only kernel).
 *
 * <pre>{@code FusedCheck.op("swiglu").input(3, 37).input(3, 37)
 *     .fused(in -> SwiGlu.gate(in[0], in[1])).unfused(in -> Arithmetic.mul(Activations.silu(in[0]), in[1])).check();}</pre>
 */
public final class FusedCheck {
    private final String name;
    private final List<Shape> shapes = new ArrayList<>();
    private final List<OpCheck.Gen> gens = new ArrayList<>();
    private OpCheck.EngineOp fused, unfused;
    private long seed = 346;
    private OpCheck.Gen defaultGen = OpCheck.NORMAL;

    private FusedCheck(String name) { this.name = name; }

    public static FusedCheck op(String name) { return new FusedCheck(name); }

    public FusedCheck input(int... dims) { return input(defaultGen, dims); }

    public FusedCheck input(OpCheck.Gen gen, int... dims) {
        shapes.add(Shape.of(dims));
        gens.add(gen);
        return this;
    }

    /** Draws every input (those added so far and later) from {@code gen}. */
    public FusedCheck values(OpCheck.Gen gen) {
        gens.replaceAll(g -> gen);
        this.defaultGen = gen;
        return this;
    }

    public FusedCheck seed(long seed) { this.seed = seed; return this; }

    public FusedCheck fused(OpCheck.EngineOp op) { this.fused = op; return this; }

    public FusedCheck unfused(OpCheck.EngineOp op) { this.unfused = op; return this; }

    public void check() {
        SplittableRandom r = new SplittableRandom(seed);
        int n = shapes.size();
        float[][] x = new float[n][], t = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = draw(gens.get(i), shapes.get(i), r);
            t[i] = draw(OpCheck.NORMAL, shapes.get(i), r);
        }
        for (Backend be : Backends.all()) {
            Run ref = run(be, unfused, x, t);
            Run dual = run(be, fused, x, t);
            Run plain = run(be, fused, x, null);
            String where = name + " on " + be.name();
            assertClose(dual.y, ref.y, where + ": fused primal vs unfused");
            assertClose(plain.y, ref.y, where + ": fused primal (no tangents) vs unfused");
            assertClose(dual.ty, ref.ty, where + ": fused tangent vs unfused");
            for (int i = 0; i < n; i++) {
                assertClose(dual.grads[i], ref.grads[i], where + ": fused gradient of input " + i + " vs unfused");
                assertClose(plain.grads[i], ref.grads[i], where + ": fused gradient of input " + i + " (no tangents) vs unfused");
            }
        }
    }

    private record Run(float[] y, float[] ty, float[][] grads) {}

    /** {@code t == null}: plain parameters. The output cotangent is drawn from a fixed seed so all runs share it. */
    private Run run(Backend be, OpCheck.EngineOp op, float[][] x, float[][] t) {
        try (Context cx = Context.open(be, Context.Tape.RECORD)) {
            Var[] in = new Var[x.length];
            for (int i = 0; i < x.length; i++) {
                Tensor v = Host.upload(cx, x[i], shapes.get(i));
                in[i] = t == null ? cx.input(v) : cx.dualInput(v, Host.upload(cx, t[i], shapes.get(i)));
            }
            Var out = op.apply(in);
            float[] w = draw(OpCheck.NORMAL, out.shape(), new SplittableRandom(seed + 1));
            float[] y = Host.floats(out.value());
            float[] ty = out.hasTangent() ? Host.floats(out.tangent()) : new float[y.length];
            Autodiff.backward(out, Host.upload(cx, w, out.shape()));
            float[][] grads = new float[x.length][];
            for (int i = 0; i < x.length; i++)
                grads[i] = in[i].grad() == null ? new float[x[i].length] : Host.floats(in[i].grad());
            return new Run(y, ty, grads);
        }
    }

    private static void assertClose(float[] a, float[] b, String what) {
        assertTrue(a.length == b.length, what + ": " + a.length + " vs " + b.length + " elements");
        double e = Ref.relErr(a, b);
        assertTrue(e <= Tol.FUSED, what + ": rel err " + e + " > " + Tol.FUSED);
    }

    private static float[] draw(OpCheck.Gen gen, Shape s, SplittableRandom r) {
        float[] a = new float[s.intSize()];
        for (int i = 0; i < a.length; i++) a[i] = gen.next(r);
        return a;
    }
}
