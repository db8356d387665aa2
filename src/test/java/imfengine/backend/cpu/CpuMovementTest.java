package imfengine.backend.cpu;

import imfengine.autodiff.Context;
import imfengine.tensor.DType;
import imfengine.tensor.Host;
import imfengine.tensor.Permutation;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The CPU permute on tensors large enough that the threads claim several ranges (each range finds its first
 * row by division and steps on from there), float and int, with the last axis contiguous or strided.
 */
class CpuMovementTest {
    private static final Shape SHAPE = Shape.of(61, 9, 7, 5, 3);
    private static final Permutation[] PERMS = {
            Permutation.of(0, 2, 1, 3, 4), Permutation.of(4, 3, 2, 1, 0), Permutation.of(1, 0, 4, 2, 3), Permutation.of(3, 0, 1, 4, 2)};

    @Test void floatPermutesMatchTheElementwiseDefinition() {
        float[] x = new float[(int) SHAPE.size()];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.5f - 7;
        CpuBackend be = new CpuBackend(3, true);
        for (Permutation p : PERMS)
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Tensor out = cx.empty(p.apply(SHAPE));
                be.permute(Host.upload(cx, x, SHAPE), p, out);
                int[] want = reference(SHAPE, p);
                float[] got = Host.floats(out), expected = new float[want.length];
                for (int i = 0; i < want.length; i++) expected[i] = x[want[i]];
                assertArrayEquals(expected, got, "float permute " + p + " of " + SHAPE);
            }
    }

    @Test void intPermutesMatchTheElementwiseDefinition() {
        int[] x = new int[(int) SHAPE.size()];
        for (int i = 0; i < x.length; i++) x[i] = 3 * i + 1;
        CpuBackend be = new CpuBackend(3, true);
        for (Permutation p : PERMS)
            try (Context cx = Context.open(be, Context.Tape.OFF)) {
                Tensor out = cx.empty(p.apply(SHAPE), DType.I32);
                be.permute(Host.upload(cx, x).reshape(SHAPE), p, out);
                int[] want = reference(SHAPE, p), got = Host.ints(out);
                for (int i = 0; i < want.length; i++) want[i] = x[want[i]];
                assertArrayEquals(want, got, "int permute " + p + " of " + SHAPE);
            }
    }

    /** For each output element, the flat index of the input element it holds. */
    private static int[] reference(Shape s, Permutation p) {
        int r = s.rank();
        int[] stride = new int[r];
        for (int i = r - 1, st = 1; i >= 0; i--) { stride[i] = st; st *= s.dim(i); }
        Shape os = p.apply(s);
        int[] src = new int[(int) s.size()];
        for (int o = 0; o < src.length; o++) {
            int rem = o, from = 0;
            for (int i = r - 1; i >= 0; i--) {
                from += (rem % os.dim(i)) * stride[p.source(i)];
                rem /= os.dim(i);
            }
            src[o] = from;
        }
        return src;
    }
}
