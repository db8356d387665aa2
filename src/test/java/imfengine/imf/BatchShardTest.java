package imfengine.imf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ranks' shards tile the batch in rank order, sizes differing by at most one. */
class BatchShardTest {
    @Test void shardsTileTheBatchStridedAndShareEveryLeadingRun() {
        for (int batch : new int[]{1, 7, 8, 10, 1024}) {
            for (int ranks = 1; ranks <= Math.min(batch, 9); ranks++) {
                int[] owner = new int[batch];
                java.util.Arrays.fill(owner, -1);
                int min = Integer.MAX_VALUE, max = 0;
                for (int r = 0; r < ranks; r++) {
                    BatchShard s = new BatchShard(batch, r, ranks);
                    int[] p = s.positions().toArray();
                    assertEquals(s.rows(), p.length);
                    for (int i = 0; i < p.length; i++) {
                        assertEquals(-1, owner[p[i]], batch + " over " + ranks + ": row " + p[i] + " taken twice");
                        owner[p[i]] = r;
                        if (i > 0) assertTrue(p[i] > p[i - 1], "positions in order");
                    }
                    min = Math.min(min, s.rows());
                    max = Math.max(max, s.rows());
                    for (int lead = 0; lead <= batch; lead += Math.max(1, batch / 13)) { // a leading run (flow matching) is shared evenly
                        int before = s.rowsBefore(lead), want = 0;
                        for (int q : p) if (q < lead) want++;
                        assertEquals(want, before, batch + " over " + ranks + ", rank " + r + ", first " + lead);
                        assertTrue(Math.abs(before - lead / (double) ranks) < 1, "rank " + r + " has " + before + " of the first " + lead);
                    }
                }
                for (int o : owner) assertTrue(o >= 0, batch + " over " + ranks + ": every row has a rank");
                assertTrue(min >= 1 && max - min <= 1, batch + " over " + ranks + ": " + min + ".." + max);
            }
        }
    }

    @Test void aBatchSmallerThanTheRanksIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchShard(3, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new BatchShard(8, 2, 2));
    }
}
