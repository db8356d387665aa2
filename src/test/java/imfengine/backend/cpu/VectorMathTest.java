package imfengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link VectorMath}: the lane sum's fixed order and the polynomial exp's accuracy and special values. */
class VectorMathTest {
    private static VectorSpecies<Float> species;

    @BeforeAll static void needsVectorApi() {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        species = FloatVector.SPECIES_PREFERRED;
    }

    /** What the kernels' lane sums give ({@link VectorMath#X8}): lane i plus lane i ^ k for k = VL/2, ..., 1; lane 0. */
    private static float tree(float[] lanes) {
        float[] level = lanes.clone();
        for (int k = level.length / 2; k >= 1; k /= 2) {
            float[] next = new float[level.length];
            for (int i = 0; i < level.length; i++) next[i] = level[i] + level[i ^ k];
            level = next;
        }
        return level[0];
    }

    /** Through {@link ReductionSimd#sum} of one vector's floats: 0 + x is exact, so only the tree rounds. */
    @Test void sumAddsTheLanesInAFixedPairwiseTree() {
        int vl = species.length();
        Random r = new Random(7);
        int orderMatters = 0;
        for (int trial = 0; trial < 200; trial++) {
            float[] lanes = new float[vl];
            // mixed magnitudes, so that another order of the additions gives other bits
            for (int i = 0; i < vl; i++) lanes[i] = (float) ((r.nextBoolean() ? 1e7 : 1e-3) * r.nextGaussian());
            float inOrder = lanes[0];
            for (int i = 1; i < vl; i++) inOrder += lanes[i];
            if (inOrder != tree(lanes)) orderMatters++;
            assertEquals(Float.floatToRawIntBits(tree(lanes)), Float.floatToRawIntBits(ReductionSimd.sum(lanes, 0, vl)), "trial " + trial);
        }
        assertTrue(orderMatters > 0, "the inputs never told the tree from a sum in lane order");
    }

    @Test void expIsWithinTwoUlpOfMathExpOverTheWholeRange() {
        int vl = species.length();
        float[] x = new float[vl], y = new float[vl];
        double worst = 0;
        float worstAt = 0;
        // every 331st float of magnitude up to 106, both signs: subnormal, normal and overflowing results
        int i = 0;
        for (int bits = 0; bits <= Float.floatToRawIntBits(106f); bits += 331) {
            for (float v : new float[] {Float.intBitsToFloat(bits), -Float.intBitsToFloat(bits)}) {
                x[i++] = v;
                if (i < vl) continue;
                i = 0;
                VectorMath.exp(x, 0, 1f, y, 0, vl);
                for (int j = 0; j < vl; j++) {
                    float want = (float) Math.exp(x[j]);
                    double err = want == y[j] ? 0 : Math.abs((double) y[j] - want) / Math.ulp(want);
                    if (!(err <= worst)) { worst = err; worstAt = x[j]; }
                }
            }
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp at x = " + worstAt);
        System.out.printf("VectorMath.exp: worst error %.2f ulp (at x = %s)%n", worst, worstAt);
    }

    @Test void expSpecialValues() {
        float[] x = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f, -200f, 200f, 1f};
        float[] want = {0f, Float.POSITIVE_INFINITY, Float.NaN, 1f, 1f, 0f, Float.POSITIVE_INFINITY, (float) Math.E};
        int vl = species.length();
        for (int k = 0; k < x.length; k++) {
            float[] in = new float[vl], out = new float[vl];
            java.util.Arrays.fill(in, x[k]);
            VectorMath.exp(in, 0, 1f, out, 0, vl);
            for (float v : out) {
                if (Float.isFinite(want[k]) && want[k] != 0f) assertEquals(want[k], v, Math.ulp(want[k]), "exp(" + x[k] + ")");
                else assertEquals(want[k], v, "exp(" + x[k] + ")"); // 0, ∞ and NaN exactly
            }
        }
    }

    @Test void expOfMinusXIsExpOfTheNegatedInputInPlaceToo() {
        int n = 4 * species.length();
        Random r = new Random(11);
        float[] x = new float[n + 3], neg = new float[n + 3], want = new float[n], got = new float[n + 3];
        for (int i = 0; i < x.length; i++) { x[i] = (float) (20 * r.nextGaussian()); neg[i] = -x[i]; }
        VectorMath.exp(neg, 3, 1f, want, 0, n);
        VectorMath.exp(x, 3, -1f, got, 3, n);
        float[] inPlace = x.clone();
        VectorMath.exp(inPlace, 3, -1f, inPlace, 3, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[3 + i]), "exp(-x) at " + i);
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(inPlace[3 + i]), "in place at " + i);
        }
        assertEquals(0f, got[0]);
    }

    @Test void expShiftedSubtractsTheShiftAndReductionSumAddsLaneWiseThenByTheTree() {
        int vl = species.length(), n = 3 * vl;
        Random r = new Random(5);
        float[] x = new float[n], out = new float[n], full = new float[n], shifted = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (3 * r.nextGaussian());
        float shift = 1.75f;
        for (int i = 0; i < n; i++) shifted[i] = x[i] - shift;
        VectorMath.expShifted(x, 0, 1f, shift, out, 0, n);
        float sum = ReductionSimd.sum(out, 0, n);
        VectorMath.exp(shifted, 0, 1f, full, 0, n);
        float[] lanes = new float[vl];
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(full[i]), Float.floatToRawIntBits(out[i]), "at " + i);
            lanes[i % vl] += out[i];
        }
        assertEquals(Float.floatToRawIntBits(tree(lanes)), Float.floatToRawIntBits(sum));
    }

    @Test void expShiftedHasExpsBitsFromMinus87UpAndFlushesBelow() {
        int vl = species.length();
        float[] x = new float[vl], shifted = new float[vl], full = new float[vl];
        int same = 0, flushed = 0;
        // every 97th float of magnitude up to 120 below 0, and up to 1 above (a softmax's shifted scores are
        // at most a rounding error above 0), then the special values
        java.util.List<Float> inputs = new java.util.ArrayList<>();
        for (int bits = 0; bits <= Float.floatToRawIntBits(120f); bits += 97) inputs.add(-Float.intBitsToFloat(bits));
        for (int bits = 0; bits <= Float.floatToRawIntBits(1f); bits += 97) inputs.add(Float.intBitsToFloat(bits));
        inputs.addAll(java.util.List.of(Float.NEGATIVE_INFINITY, Float.NaN, -87f, Math.nextDown(-87f), 87.9f));
        for (int i = 0; i < inputs.size(); i += vl) {
            for (int j = 0; j < vl; j++) x[j] = inputs.get(Math.min(i + j, inputs.size() - 1));
            VectorMath.expShifted(x, 0, 1f, 0f, shifted, 0, vl);
            VectorMath.exp(x, 0, 1f, full, 0, vl);
            for (int j = 0; j < vl; j++) {
                if (x[j] >= -87f || Float.isNaN(x[j])) {
                    assertEquals(Float.floatToRawIntBits(full[j]), Float.floatToRawIntBits(shifted[j]), "expShifted(" + x[j] + ")");
                    same++;
                } else {
                    assertEquals(0f, shifted[j], "expShifted(" + x[j] + ") below -87");
                    flushed++;
                }
            }
        }
        assertTrue(same > 1000 && flushed > 1000, same + " compared, " + flushed + " flushed");
    }
}
