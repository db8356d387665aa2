package imfengine.backend.cpu;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link RmsNormSimd}'s four-row methods give exactly the bits of its one-row methods, row by row, and add into the
 * weight gradient in the same order: rows of 32 (the QK-norm), 96, a width with a vector tail and one shorter than a
 * vector.
 */
class RmsNormSimdRowsTest {
    private static final int ROWS = 8;
    private static final float EPS = 1e-6f;

    @BeforeEach void needsVectors() {
        Assumptions.assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
    }

    @Test void forwardRowsMatchOneRowAtATime() {
        for (int n : new int[] {32, 96, 37, 5}) {
            Random r = new Random(n);
            float[] x = random(r, ROWS * n), w = random(r, n + 3);
            float[] y1 = new float[ROWS * n], s1 = new float[ROWS], y4 = new float[ROWS * n], s4 = new float[ROWS];
            for (int row = 0; row < ROWS; row++) RmsNormSimd.forwardRow(x, w, 3, EPS, y1, s1, row, n);
            for (int row = 0; row < ROWS; row += 4) RmsNormSimd.forwardRows4(x, w, 3, EPS, y4, s4, row, n);
            assertArrayEquals(s1, s4, "rstd, n " + n);
            assertArrayEquals(y1, y4, "y, n " + n);
        }
    }

    @Test void dualRowsMatchOneRowAtATime() {
        for (int n : new int[] {32, 96, 37, 5}) {
            Random r = new Random(n + 1);
            float[] x = random(r, ROWS * n), tx = random(r, ROWS * n), w = random(r, n);
            float[] y1 = new float[ROWS * n], t1 = new float[ROWS * n], s1 = new float[ROWS];
            float[] y4 = new float[ROWS * n], t4 = new float[ROWS * n], s4 = new float[ROWS];
            for (int row = 0; row < ROWS; row++) RmsNormSimd.dualRow(x, tx, w, 0, EPS, y1, t1, s1, row, n);
            for (int row = 0; row < ROWS; row += 4) RmsNormSimd.dualRows4(x, tx, w, 0, EPS, y4, t4, s4, row, n);
            assertArrayEquals(s1, s4, "rstd, n " + n);
            assertArrayEquals(y1, y4, "y, n " + n);
            assertArrayEquals(t1, t4, "ty, n " + n);
        }
    }

    @Test void backwardRowsMatchOneRowAtATime() {
        for (int n : new int[] {32, 96, 37, 5})
            for (boolean addToDx : new boolean[] {false, true}) {
                Random r = new Random(n + 2);
                float[] x = random(r, ROWS * n), w = random(r, n), rstd = random(r, ROWS), dy = random(r, ROWS * n);
                float[] held = random(r, ROWS * n), dw0 = random(r, n);
                float[] dx1 = held.clone(), dw1 = dw0.clone(), dx4 = held.clone(), dw4 = dw0.clone();
                for (int row = 0; row < ROWS; row++) RmsNormSimd.backwardRow(x, w, 0, rstd, dy, row * n, dx1, addToDx, dw1, row, n);
                for (int row = 0; row < ROWS; row += 4) RmsNormSimd.backwardRows4(x, w, 0, rstd, dy, row * n, dx4, addToDx, dw4, row, n);
                assertArrayEquals(dx1, dx4, "dx, n " + n + ", add " + addToDx);
                assertArrayEquals(dw1, dw4, "dw, n " + n + ", add " + addToDx);
                float[] dxNoDw = held.clone();
                for (int row = 0; row < ROWS; row += 4) RmsNormSimd.backwardRows4(x, w, 0, rstd, dy, row * n, dxNoDw, addToDx, null, row, n);
                assertArrayEquals(dx1, dxNoDw, "dx without dw, n " + n);
            }
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
