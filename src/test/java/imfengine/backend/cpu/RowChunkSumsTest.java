package imfengine.backend.cpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RowChunkSums}: the chunks cover the rows once, start at multiples of the quantum (so that a four-row kernel
 * leaves only the matrix's last rows to its one-row kernel), and the sum's bits depend on the shape only.
 */
class RowChunkSumsTest {
    private static final WorkerPool[] POOLS = {new WorkerPool(1), new WorkerPool(2), new WorkerPool(3)};

    @Test void chunksCoverTheRowsOnceFromMultiplesOfTheQuantum() {
        for (int rows : new int[] {1, 3, 4, 174, 1568, 1570, 2211})
            for (int quantum : new int[] {1, 4}) {
                List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                RowChunkSums.run(POOLS[1], rows, quantum, 96, (from, to, acc) -> ranges.add(new int[] {from, to}), new float[96], false);
                ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
                int next = 0;
                for (int[] r : ranges) {
                    assertEquals(next, r[0], "rows " + rows + ", quantum " + quantum + ": a gap or an overlap at " + next);
                    assertTrue(r[0] % quantum == 0 && r[1] > r[0], "rows " + rows + ", quantum " + quantum + ": range " + r[0] + ".." + r[1]);
                    next = r[1];
                }
                assertEquals(rows, next, "rows " + rows + ", quantum " + quantum);
            }
    }

    @Test void sumBitsDoNotDependOnTheThreadCount() {
        int rows = 1570, n = 37;
        float[] x = new float[rows * n];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] first = null;
        for (WorkerPool pool : POOLS) {
            float[] sum = new float[n];
            RowChunkSums.run(pool, rows, 4, n, (from, to, acc) -> {
                for (int i = from; i < to; i++) for (int j = 0; j < n; j++) acc[j] += x[i * n + j];
            }, sum, false);
            if (first == null) first = sum;
            else assertArrayEquals(first, sum, pool.threads() + " threads");
        }
    }
}
