package imfengine.imf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ranks' shards tile the batch in rank order, sizes differing by at most one. */
class BatchShardTest {
    @Test void shardsTileTheBatch() {
        for (int batch : new int[]{1, 7, 8, 10, 1024}) {
            for (int ranks = 1; ranks <= Math.min(batch, 9); ranks++) {
                int next = 0, min = Integer.MAX_VALUE, max = 0;
                for (int r = 0; r < ranks; r++) {
                    BatchShard s = new BatchShard(batch, r, ranks);
                    assertEquals(next, s.from(), batch + " over " + ranks + ", rank " + r);
                    next = s.to();
                    min = Math.min(min, s.rows());
                    max = Math.max(max, s.rows());
                }
                assertEquals(batch, next);
                assertTrue(min >= 1 && max - min <= 1, batch + " over " + ranks + ": " + min + ".." + max);
            }
        }
    }

    @Test void aBatchSmallerThanTheRanksIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchShard(3, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new BatchShard(8, 2, 2));
    }
}
