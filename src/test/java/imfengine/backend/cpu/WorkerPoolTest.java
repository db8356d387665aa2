package imfengine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    /** Claimed ranges cover every index exactly once, in ranges no longer than n / chunks rounded up. */
    @Test void claimedRangesCoverEveryIndexOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            WorkerPool pool = new WorkerPool(threads);
            for (int n : new int[] {0, 1, 5, 64, 385}) {
                for (int chunks : new int[] {1, 2, 7, 8, 1000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    int longest = (n + Math.min(n, chunks) - 1) / Math.max(1, Math.min(n, chunks));
                    pool.parallelForClaimed(n, chunks, (from, to) -> {
                        assertTrue(from < to && to - from <= longest, "range " + from + ".." + to);
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++)
                        assertEquals(1, hits.get(i), "threads " + threads + ", n " + n + ", chunks " + chunks + ", index " + i);
                }
            }
        }
    }

    /** A chunk that throws fails the call (on the calling thread), whichever thread ran it. */
    @Test void aFailingChunkFailsTheCall() {
        WorkerPool pool = new WorkerPool(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                pool.parallelForClaimed(100, 8, (from, to) -> {
                    if (from <= 60 && 60 < to) throw new IllegalStateException("chunk with 60");
                }));
        assertEquals("chunk with 60", e.getMessage());
    }
}
