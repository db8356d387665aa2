package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Transpose16Test {
    @Test void movesEveryFloatOfEachRowIntoItsColumnAndZerosTheMissingRows() {
        assumeTrue(VectorSupport.present(), "jdk.incubator.vector not present");
        assumeTrue(Transpose16.AVAILABLE, "vectors of 16 lanes only");
        int w = 37, src = 5;
        float[] x = new float[src + 16 * w];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() - 0.5f;
        for (int rows = 1; rows <= 16; rows++) {
            int ow = rows % 2 == 0 ? 16 : 21; // the columns' stride: packed (16) or apart
            float[] want = new float[3 + 16 * ow], got = new float[3 + 16 * ow];
            java.util.Arrays.fill(want, Float.NaN);
            java.util.Arrays.fill(got, Float.NaN);
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++) want[3 + i * ow + j] = j < rows ? x[src + j * w + i] : 0f;
            Transpose16.block(x, src, w, rows, got, 3, ow);
            assertArrayEquals(want, got, "rows " + rows);
        }
    }
}
