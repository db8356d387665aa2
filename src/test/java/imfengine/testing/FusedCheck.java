package imfengine.testing;

import imfengine.autodiff.Autodiff;
import imfengine.autodiff.Var;
import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.MemoryScope;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fused op against the composition of the unfused ops it replaces: primal, tangent (all inputs
 * dual) and every input gradient must agree to {@link Tol#FUSED}, on the scalar and the SIMD backend.
 *
 * <pre>{@code FusedCheck.op("softmax").input(3, 17).fused(in -> ...).unfused(in -> ...).check();}</pre>
 */
public final class FusedCheck {
    private final String name;
    private final List<Shape> shapes = new ArrayList<>();
    private OpCheck.Gen gen = OpCheck.NORMAL;
    private OpCheck.EngineOp fused, unfused;
    private long seed = 345;

    private FusedCheck(String name) { this.name = name; }

    public static FusedCheck op(String name) { return new FusedCheck(name); }

    public FusedCheck input(int... dims) { shapes.add(Shape.of(dims)); return this; }

    /** Draws primal inputs from {@code gen} (tangents and cotangents stay standard normal). */
    public FusedCheck values(OpCheck.Gen gen) { this.gen = gen; return this; }

    public FusedCheck fused(OpCheck.EngineOp op) { this.fused = op; return this; }

    public FusedCheck unfused(OpCheck.EngineOp op) { this.unfused = op; return this; }

    public FusedCheck seed(long seed) { this.seed = seed; return this; }

    public void check() {
        SplittableRandom r = new SplittableRandom(seed);
        int n = shapes.size();
        float[][] x = new float[n][], t = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = draw(gen, shapes.get(i), r);
            t[i] = draw(OpCheck.NORMAL, shapes.get(i), r);
        }
        for (CpuBackend be : Backends.BOTH) {
            float[][] a = run(be, fused, x, t, r.split()), b = run(be, unfused, x, t, null);
            String[] what = new String[a.length];
            what[0] = "primal";
            what[1] = "tangent";
            for (int i = 2; i < what.length; i++) what[i] = "gradient of input " + (i - 2);
            for (int i = 0; i < a.length; i++) {
                double e = Ref.relErr(a[i], b[i]);
                assertTrue(e <= Tol.FUSED, name + " " + what[i] + ": fused vs unfused on " + be.name() + ": rel err " + e);
            }
        }
    }

    private float[] cotangent;

    /** Returns {y, ty, grads...}; the output cotangent is drawn on the first call and reused. */
    private float[][] run(CpuBackend be, OpCheck.EngineOp op, float[][] x, float[][] t, SplittableRandom r) {
        try (MemoryScope scope = MemoryScope.open()) {
            Var[] in = new Var[x.length];
            for (int i = 0; i < x.length; i++)
                in[i] = Var.dualParameter(be.fromArray(x[i], shapes.get(i)), be.fromArray(t[i], shapes.get(i)));
            Var out = op.apply(in);
            if (r != null) cotangent = draw(OpCheck.NORMAL, out.shape(), r);
            float[][] res = new float[2 + x.length][];
            res[0] = be.toArray(out.value());
            res[1] = be.toArray(out.tangent());
            Autodiff.backward(out, be.fromArray(cotangent, out.shape()));
            for (int i = 0; i < x.length; i++) {
                Tensor g = in[i].grad();
                res[2 + i] = g == null ? new float[x[i].length] : be.toArray(g);
            }
            return res;
        }
    }

    private static float[] draw(OpCheck.Gen gen, Shape s, SplittableRandom r) {
        float[] a = new float[s.intSize()];
        for (int i = 0; i < a.length; i++) a[i] = gen.next(r);
        return a;
    }
}
