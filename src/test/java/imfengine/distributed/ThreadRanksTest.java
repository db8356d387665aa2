package imfengine.distributed;

import imfengine.backend.cpu.CpuBackend;
import imfengine.tensor.DType;
import imfengine.tensor.Shape;
import imfengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks as threads: the collectives' results, the same threads from call to call, and a failing rank ending the call. */
class ThreadRanksTest {
    /** Rank r's value at element i, with magnitudes far apart so that another order of the sum would change bits. */
    private static float value(int r, int i) { return (float) ((i + 1) * Math.pow(1e-3, r) * (r % 2 == 0 ? 1 : -1) + 0.1 * i); }

    @Test void sumsAddTheRanksInRankOrderAndEveryRankGetsTheSameBits() {
        int ranks = 3;
        for (int n : new int[]{1, 7, 1000}) {
            List<float[]> out = ThreadRanks.run(ranks, g -> {
                CpuBackend be = new CpuBackend(1, false);
                float[] mine = new float[n], other = new float[2];
                for (int i = 0; i < n; i++) mine[i] = value(g.rank(), i);
                Tensor t = be.allocate(Shape.of(n), DType.F32), small = be.allocate(Shape.of(2), DType.F32);
                be.upload(mine, t);
                be.upload(new float[]{g.rank(), 1}, small);
                g.sumInPlace(small); // another length in between: each keeps its own buffers
                g.sumInPlace(t);
                be.download(small, other);
                assertArrayEquals(new float[]{0 + 1 + 2, 3}, other);
                float[] got = new float[n];
                be.download(t, got);
                return got;
            });
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                float s = 0f;
                for (int r = 0; r < ranks; r++) s += value(r, i);
                want[i] = s;
            }
            for (float[] got : out) assertArrayEquals(want, got, n + " elements");
        }
    }

    /** A rank that arrives late at a collective: the other's wait counts at least the delay, and accumulates over calls. */
    @Test void theWaitForALateRankIsCounted() {
        try (ThreadRanks t = new ThreadRanks(2)) {
            assertEquals(0, t.waitedNanos(0));
            for (int call = 1; call <= 2; call++) {
                t.call(r -> {
                    if (r == 1) sleep(30);
                    return t.group(r).maxOverRanks(r);
                });
                assertTrue(t.waitedNanos(0) >= call * 30_000_000L, "rank 0 waited " + t.waitedNanos(0) + " ns over " + call + " calls");
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void maxAndBroadcastsFromRankZero() {
        List<String> out = ThreadRanks.run(4, g -> g.maxOverRanks(10 - 3 * g.rank()) + " " + g.fromRankZero(100L + g.rank()) + " "
                + new String(g.fromRankZero(("r" + g.rank()).getBytes())) + " " + g.anyRank(g.rank() == 3));
        assertEquals(List.of("10 100 r0 true", "10 100 r0 true", "10 100 r0 true", "10 100 r0 true"), out);
    }

    @Test void eachRankRunsOnTheSameThreadFromCallToCall() {
        try (ThreadRanks ranks = new ThreadRanks(3)) {
            List<Thread> first = ranks.call(r -> Thread.currentThread()), second = ranks.call(r -> Thread.currentThread());
            assertEquals(first, second);
            assertSame(Thread.currentThread(), first.get(0), "rank 0 runs on the caller");
            assertNotSame(first.get(1), first.get(2));
        }
    }

    @Test void aFailingRankEndsTheCallWithItsOwnFailureAndTheRanksRunAgain() {
        try (ThreadRanks ranks = new ThreadRanks(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ranks.call(r -> {
                ProcessGroup g = ranks.group(r);
                if (r == 1) throw new IllegalArgumentException("rank 1 broke");
                return g.maxOverRanks(r); // ranks 0 and 2 wait here for rank 1, which never comes
            }));
            assertEquals("rank 1 broke", e.getMessage());
            assertEquals(List.of(2, 2, 2), ranks.call(r -> ranks.group(r).maxOverRanks(r)), "the next call meets as before");
        }
    }

    @Test void theOthersSeeTheFailureAsTheirCollectiveFailing() {
        try (ThreadRanks ranks = new ThreadRanks(2)) {
            String[] seen = new String[1];
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ranks.call(r -> {
                if (r == 0) throw new IllegalStateException("rank 0 broke");
                try {
                    return ranks.group(r).maxOverRanks(r);
                } catch (ThreadRanks.RankFailed f) {
                    seen[0] = f.getMessage();
                    throw f;
                }
            }));
            assertEquals("rank 0 broke", e.getMessage(), "the failing rank's own exception, not the one it caused");
            assertTrue(seen[0].startsWith("rank 1: another rank failed"), seen[0]);
        }
    }
}
