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

    /**
     * Guided ranges cover every index once and are the same ranges whatever the thread count's timing: each
     * starts where the previous ended, 1/(2·threads) of what is left, at least the minimum.
     */
    @Test void guidedRangesCoverEveryIndexOnceInShrinkingRanges() {
        for (int threads : new int[] {1, 2, 3}) {
            WorkerPool pool = new WorkerPool(threads);
            for (int n : new int[] {0, 1, 5, 64, 385, 2208}) {
                for (int min : new int[] {1, 8, 57, 5000}) {
                    java.util.List<int[]> ranges = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                    pool.parallelForGuided(n, min, (from, to) -> ranges.add(new int[] {from, to}));
                    ranges.sort(java.util.Comparator.comparingInt(r -> r[0]));
                    int at = 0;
                    for (int[] r : ranges) {
                        String where = "threads " + threads + ", n " + n + ", min " + min + ", range " + r[0] + ".." + r[1];
                        assertEquals(at, r[0], where);
                        int left = n - at, want = Math.min(left, Math.max(min, (left + 2 * threads - 1) / (2 * threads)));
                        assertEquals(want, r[1] - r[0], where);
                        at = r[1];
                    }
                    assertEquals(n, at, "threads " + threads + ", n " + n + ", min " + min);
                }
            }
        }
    }

    /** A call made from inside a chunk, on the worker or on the caller, runs serially and completes. */
    @Test void nestedCallsRunSeriallyOnTheirThread() {
        WorkerPool pool = new WorkerPool(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(2 * 100);
        java.util.Set<String> nestedOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        pool.parallelFor(2, 1, (from, to) -> {
            Thread outer = Thread.currentThread();
            pool.parallelFor(100, 1, (f, t) -> {
                assertEquals(outer, Thread.currentThread(), "a nested chunk left its thread");
                for (int i = f; i < t; i++) hits.incrementAndGet(from * 100 + i);
            });
            nestedOn.add(outer.getName());
        });
        for (int i = 0; i < 200; i++) assertEquals(1, hits.get(i), "index " + i);
        assertEquals(2, nestedOn.size(), "both halves ran, on two threads: " + nestedOn);
    }

    /** Two threads calling one pool at once both get every index once (one of them may run serially). */
    @Test void concurrentCallersEachCoverTheirRange() throws Exception {
        WorkerPool pool = new WorkerPool(2);
        int n = 1000, calls = 2000;
        AtomicIntegerArray[] hits = {new AtomicIntegerArray(n), new AtomicIntegerArray(n)};
        Thread[] callers = new Thread[2];
        Throwable[] failed = new Throwable[2];
        for (int c = 0; c < 2; c++) {
            int me = c;
            callers[c] = new Thread(() -> {
                try {
                    for (int k = 0; k < calls; k++)
                        pool.parallelForClaimed(n, 8, (from, to) -> { for (int i = from; i < to; i++) hits[me].incrementAndGet(i); });
                } catch (Throwable e) {
                    failed[me] = e;
                }
            });
            callers[c].start();
        }
        for (Thread t : callers) t.join(60_000);
        for (int c = 0; c < 2; c++) {
            assertEquals(null, failed[c], "caller " + c);
            for (int i = 0; i < n; i++) assertEquals(calls, hits[c].get(i), "caller " + c + ", index " + i);
        }
    }

    /** A pool nobody holds any more stops its worker threads (they would otherwise stay parked for good). */
    @Test void anUnreachablePoolStopsItsWorkers() throws InterruptedException {
        Thread[] worker = new Thread[1];
        java.lang.ref.WeakReference<WorkerPool> ref = startPoolAndFindItsWorker(worker);
        for (int i = 0; i < 200 && (ref.get() != null || worker[0].isAlive()); i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(null, ref.get(), "the pool was not collected");
        worker[0].join(5_000);
        assertTrue(!worker[0].isAlive(), worker[0].getName() + " still runs");
    }

    private static java.lang.ref.WeakReference<WorkerPool> startPoolAndFindItsWorker(Thread[] worker) {
        WorkerPool pool = new WorkerPool(2);
        pool.parallelFor(2, 1, (from, to) -> { if (from == 1) worker[0] = Thread.currentThread(); });
        assertTrue(worker[0] != null && worker[0].getName().startsWith("imf-cpu-"), "chunk 1 ran on " + worker[0]);
        return new java.lang.ref.WeakReference<>(pool);
    }
}
