package imfengine.backend;

import imfengine.autodiff.Context;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import imfengine.testing.Backends;
import imfengine.testing.OpCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every kernel takes views: run on tensors that sit at an odd offset inside a larger storage, it gives
 * exactly the bits it gives on tensors of their own, and writes nothing outside its views. (Parameters
 * are views of one flat buffer, and a batch's examples are views of the batch.) Every operand of a case
 * starts with the same random values in both runs; afterwards every operand is compared.
 */
class ViewsTest {
    /** Elements in front of each view and behind it, filled with a value no kernel writes. */
    private static final int BEFORE = 13, AFTER = 7;
    private static final float POISON = -12345.5f;

    /** One kernel call on operands {@code t} (inputs and outputs alike). */
    @FunctionalInterface
    interface Call { void run(Backend be, Tensor[] t); }

    private record Case(String name, Shape[] shapes, Call call) {}

    private static Case of(String name, Call call, Shape... shapes) { return new Case(name, shapes, call); }

    @Test void everyKernelGivesTheSameBitsOnOffsetViews() {
        AttentionSpec att = new AttentionSpec(2, 5, 2, 4, 0.5f);
        Shape a3 = Shape.of(2, 5, 8), lse = Shape.of(2, 2, 5);
        Shape m = Shape.of(6, 9), row = Shape.of(9), rows = Shape.of(6);
        List<Case> cases = List.of(
                of("unary exp", (be, t) -> be.unary(UnaryOp.EXP, t[0], t[1]), m, m),
                of("unary derivative silu", (be, t) -> be.unaryDerivative(UnaryOp.SILU, t[0], t[1], t[2], t[3]), m, m, m, m),
                of("binary mul by a row vector", (be, t) -> be.binary(BinaryOp.MUL, t[0], t[1], Broadcast.of("mul", m, row), t[2]), m, row, m),
                of("binary max, in place", (be, t) -> be.binary(BinaryOp.MAX, t[0], t[1], Broadcast.of("max", m, m), t[0]), m, m),
                of("axpby", (be, t) -> be.axpby(0.5f, t[0], -2f, t[1], t[2]), m, m, m),
                of("where per row", (be, t) -> be.where(t[0], Broadcast.of("where", m, Shape.of(6, 1)), t[1], t[2], t[3]),
                        Shape.of(6, 1), m, m, m),
                of("copy", (be, t) -> be.copy(t[0], t[1]), m, m),
                of("fill", (be, t) -> be.fill(t[0], 2.5), m),
                of("sumLastAxis", (be, t) -> be.sumLastAxis(t[0], t[1]), m, rows),
                of("sumAll", (be, t) -> be.sumAll(t[0], t[1]), m, Shape.of(1)),
                of("reduceBroadcast", (be, t) -> be.reduceBroadcast(t[0], Broadcast.of("r", m, row), t[1]), m, row),
                of("gemm a·bᵀ", (be, t) -> be.gemm(GemmSpec.of(6, 4, 9, false, true, 1f, 0.5f), t[0], t[1], t[2]),
                        m, Shape.of(4, 9), Shape.of(6, 4)),
                of("permute", (be, t) -> be.permute(t[0], Permutation.of(2, 0, 1), t[1]), a3, Shape.of(8, 2, 5)),
                of("copyRuns accumulate", (be, t) -> be.copyRuns(t[0], 2, 9, t[1], 1, 9, 5, 6, true), m, m),
                of("rmsNorm", (be, t) -> be.rmsNorm(t[0], t[1], 1e-6f, t[2], t[3]), m, row, m, rows),
                of("rmsNormDual", (be, t) -> be.rmsNormDual(t[0], t[1], t[2], 1e-6f, t[3], t[4], t[5]), m, m, row, m, m, rows),
                of("rmsNormBackward", (be, t) -> be.rmsNormBackward(t[0], t[1], t[2], t[3], t[4], false, t[5]), m, row, rows, m, m, row),
                of("rope", (be, t) -> be.rope(t[0], t[1], t[2], 2, false, t[3]), a3, Shape.of(5, 2), Shape.of(5, 2), a3),
                of("ropeDual", (be, t) -> be.ropeDual(t[0], t[1], t[2], t[3], 2, t[4], t[5]), a3, a3, Shape.of(5, 2), Shape.of(5, 2), a3, a3),
                of("gatedResidual", (be, t) -> be.gatedResidual(t[0], t[1], t[2], t[3]), m, m, row, m),
                of("gatedResidualBackward", (be, t) -> be.gatedResidualBackward(t[0], t[1], t[2], t[3], t[4]), m, m, row, m, row),
                of("swiglu", (be, t) -> be.swiglu(t[0], t[1], t[2]), m, m, m),
                of("swigluDual", (be, t) -> be.swigluDual(t[0], t[1], t[2], t[3], t[4], t[5]), m, m, m, m, m, m),
                of("swigluBackward", (be, t) -> be.swigluBackward(t[0], t[1], t[2], t[3], t[4]), m, m, m, m, m),
                of("softmax", (be, t) -> be.softmax(t[0], t[1]), m, m),
                of("softmaxDual", (be, t) -> be.softmaxDual(t[0], t[1], t[2], t[3]), m, m, m, m),
                of("softmaxBackward", (be, t) -> be.softmaxBackward(t[0], t[1], t[2]), m, m, m),
                of("attention", (be, t) -> be.attention(att, t[0], t[1], t[2], t[3], t[4]), a3, a3, a3, a3, lse),
                of("attentionDual", (be, t) -> be.attentionDual(att, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]),
                        a3, a3, a3, a3, a3, a3, a3, a3, lse),
                of("attentionBackward", (be, t) -> {
                    be.attention(att, t[0], t[1], t[2], t[3], t[4]); // a consistent lse for the backward
                    be.attentionBackward(att, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
                }, a3, a3, a3, a3, lse, a3, a3, a3, a3),
                of("timestepFeatures", (be, t) -> be.timestepFeatures(t[0], 10000f, true, t[1]), rows, Shape.of(6, 10)),
                of("adamw", (be, t) -> be.adamw(t[0], t[1], t[2], t[3], new AdamWStep(1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 3)), m, m, m, m),
                of("ema", (be, t) -> be.emaUpdate(t[0], t[1], 0.9f), m, m),
                of("random normal", (be, t) -> be.random(new RandomKey(3, 4, 0, 5), Distribution.NORMAL, t[0]), m),
                of("iota", (be, t) -> be.iota(t[0]), m));
        for (Backend be : Backends.all())
            for (Case c : cases) {
                float[][] dense = run(be, c, false), views = run(be, c, true);
                for (int i = 0; i < dense.length; i++)
                    assertArrayEquals(dense[i], views[i], c.name + " on " + be.name() + ": operand " + i + " differs on a view");
            }
    }

    @Test void indexedAndTypedMovementOnViews() {
        for (Backend be : Backends.all()) {
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Tensor idx = Host.upload(cx, new int[]{9, 9, 2, 0, 1, 7, 3, 3}).view(2, Shape.of(4)); // rows 2, 0, 1, 7
                Tensor table = padded(cx, values(40, 1), Shape.of(8, 5));
                Tensor gathered = padded(cx, new float[20], Shape.of(4, 5));
                be.gatherRows(table, idx, gathered);
                float[] tab = Host.floats(table), got = Host.floats(gathered);
                int[] want = {2, 0, 1, 7};
                for (int r = 0; r < 4; r++)
                    for (int j = 0; j < 5; j++) assertEquals(tab[want[r] * 5 + j], got[r * 5 + j], "gather row " + r + " on " + be.name());
                Tensor grad = padded(cx, new float[40], Shape.of(8, 5));
                be.scatterAddRows(gathered, idx, grad);
                float[] g = Host.floats(grad);
                for (int r = 0; r < 8; r++) {
                    int at = java.util.Arrays.stream(want).boxed().toList().indexOf(r);
                    for (int j = 0; j < 5; j++) assertEquals(at < 0 ? 0f : got[at * 5 + j], g[r * 5 + j], "scatter row " + r);
                }
                Tensor mask = Host.upload(cx, new float[]{5, 0, 1, 0, 0, 2, 7}, 7).view(1, Shape.of(5)); // 0, 1, 0, 0, 2
                Tensor where = cx.empty(Shape.of(6), DType.I32).view(1, Shape.of(5));
                assertEquals(2, be.selectNonzero(mask, where));
                assertArrayEquals(new int[]{1, 4}, java.util.Arrays.copyOf(Host.ints(where), 2));
                Tensor h = cx.empty(Shape.of(25), DType.BF16).view(3, Shape.of(20));
                be.cast(gathered, h);
                Tensor back = padded(cx, new float[20], Shape.of(20));
                be.cast(h, back);
                float[] b = Host.floats(back);
                for (int i = 0; i < 20; i++) assertEquals(imfengine.tensor.Bf16.toFloat(imfengine.tensor.Bf16.fromFloat(got[i])), b[i]);
            }
        }
    }

    /** The case's operands after the call: as tensors of their own, or as offset views inside padded storage. */
    private static float[][] run(Backend be, Case c, boolean views) {
        SplittableRandom r = new SplittableRandom(c.name.hashCode());
        try (Context cx = Context.open(be, Context.Tape.OFF)) {
            Tensor[] t = new Tensor[c.shapes.length];
            Tensor[] storage = new Tensor[t.length];
            for (int i = 0; i < t.length; i++) {
                float[] v = new float[c.shapes[i].intSize()];
                for (int j = 0; j < v.length; j++) v[j] = (float) (0.5 + 0.5 * Math.abs(OpCheck.gaussian(r))); // > 0: rsqrt, v
                if (views) {
                    storage[i] = cx.full(Shape.of(BEFORE + v.length + AFTER), POISON);
                    t[i] = storage[i].view(BEFORE, c.shapes[i]);
                    be.upload(v, t[i]);
                } else {
                    t[i] = Host.upload(cx, v, c.shapes[i]);
                }
            }
            c.call.run(be, t);
            float[][] out = new float[t.length][];
            for (int i = 0; i < t.length; i++) {
                out[i] = Host.floats(t[i]);
                if (views) {
                    float[] all = Host.floats(storage[i]);
                    for (int j = 0; j < BEFORE; j++) assertEquals(POISON, all[j], c.name + ": wrote before view " + i);
                    for (int j = BEFORE + out[i].length; j < all.length; j++) assertEquals(POISON, all[j], c.name + ": wrote after view " + i);
                }
            }
            return out;
        }
    }

    private static Tensor padded(Context cx, float[] v, Shape s) {
        Tensor t = cx.full(Shape.of(BEFORE + v.length + AFTER), POISON).view(BEFORE, s);
        cx.backend().upload(v, t);
        return t;
    }

    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) OpCheck.gaussian(r);
        return v;
    }
}
