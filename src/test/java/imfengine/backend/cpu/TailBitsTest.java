package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import imfengine.backend.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exp-based loops give an element the same bits wherever a range cuts the array: the threads' ranges end where the
 * tensor's size puts them, so a tail computed differently (Math.exp is not {@link VectorMath#exp} in the last place)
 * made outputs depend on the batch (sample --batch). Each op over [0, n) at once against the same op over ranges cut
 * at odd places.
 */
class TailBitsTest {
    private static final int N = 4099;
    private static final int[] CUTS = {0, 5, 400, 1001, 1023, 3000, N};

    @BeforeAll static void vectors() { Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present"); }

    private static float[] random(Random r) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float) (r.nextGaussian() * 4);
        return x;
    }

    @Test void swigluForwardDualAndBackward() {
        Random r = new Random(41);
        float[] a = random(r), ta = random(r), b = random(r), tb = random(r), dy = random(r);
        float[] y = new float[N], ty = new float[N], da = new float[N], db = new float[N];
        SwigluSimd.forward(a, b, y, 0, N);
        SwigluSimd.dual(a, ta, b, tb, new float[N], ty, 0, N);
        SwigluSimd.backward(a, b, dy, da, db, 0, N);
        float[] y2 = new float[N], ty2 = new float[N], da2 = new float[N], db2 = new float[N];
        for (int c = 0; c + 1 < CUTS.length; c++) {
            SwigluSimd.forward(a, b, y2, CUTS[c], CUTS[c + 1]);
            SwigluSimd.dual(a, ta, b, tb, new float[N], ty2, CUTS[c], CUTS[c + 1]);
            SwigluSimd.backward(a, b, dy, da2, db2, CUTS[c], CUTS[c + 1]);
        }
        assertArrayEquals(y, y2, 0f, "forward");
        assertArrayEquals(ty, ty2, 0f, "dual tangent");
        assertArrayEquals(da, da2, 0f, "backward da");
        assertArrayEquals(db, db2, 0f, "backward db");
    }

    @Test void expSiluSigmoidAndSiluDerivative() {
        Random r = new Random(43);
        float[] x = random(r), g = random(r);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.SILU, UnaryOp.SIGMOID}) {
            float[] whole = new float[N], cut = new float[N];
            ElementwiseSimd.unary(op, x, 0, whole, 0, 0, N);
            for (int c = 0; c + 1 < CUTS.length; c++) ElementwiseSimd.unary(op, x, 0, cut, 0, CUTS[c], CUTS[c + 1]);
            assertArrayEquals(whole, cut, 0f, op.name());
        }
        float[] whole = new float[N], cut = new float[N];
        ElementwiseSimd.unaryDerivative(UnaryOp.SILU, x, 0, null, 0, g, 0, whole, 0, 0, N);
        for (int c = 0; c + 1 < CUTS.length; c++) ElementwiseSimd.unaryDerivative(UnaryOp.SILU, x, 0, null, 0, g, 0, cut, 0, CUTS[c], CUTS[c + 1]);
        assertArrayEquals(whole, cut, 0f, "SILU derivative");
    }
}
