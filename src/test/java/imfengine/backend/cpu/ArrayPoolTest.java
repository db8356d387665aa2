package imfengine.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayPoolTest {
    @Test void reusesArraysOfTheSameLength() {
        ArrayPool pool = new ArrayPool(100);
        float[] a = pool.take(10);
        pool.give(a);
        assertSame(a, pool.take(10));
        assertNotSame(a, pool.take(10), "one array was pooled");
        assertEquals(20, pool.liveFloats());
    }

    @Test void staysUnderItsCapAndDropsTheLeastRecentlyAskedLengthsFirst() {
        ArrayPool pool = new ArrayPool(100);
        float[] steady = pool.take(40), once = pool.take(50);
        pool.give(steady);
        pool.give(once);                       // 90 floats pooled
        float[] again = pool.take(40);         // the steady length is asked for again: most recent now
        assertSame(steady, again);
        pool.give(again);
        float[] other = pool.take(30);
        pool.give(other);                      // 120 > 100: the length 50, asked for least recently, makes room
        assertTrue(pool.pooledFloats() <= 100, "pooled " + pool.pooledFloats());
        assertSame(steady, pool.take(40));
        assertSame(other, pool.take(30));
        float[] fresh = pool.take(50);
        assertNotSame(once, fresh, "the least recently asked length was dropped");
    }

    @Test void anArrayLargerThanTheCapIsNotKept() {
        ArrayPool pool = new ArrayPool(100);
        float[] big = pool.take(200);
        pool.give(big);
        assertEquals(0, pool.pooledFloats());
        assertNotSame(big, pool.take(200));
    }

    /** A heap with room for 100 floats beside what the pool holds: a fresh array fails while too much is pooled. */
    @Test void runningShortOfHeapDropsThePooledArraysAndTriesAgain() {
        ArrayPool[] self = {null};
        ArrayPool pool = new ArrayPool(1000, n -> {
            if (self[0].pooledFloats() + n > 100) throw new OutOfMemoryError("test heap");
            return new float[n];
        });
        self[0] = pool;
        pool.give(pool.take(60));
        pool.give(pool.take(30));
        assertEquals(90, pool.pooledFloats());
        assertEquals(20, pool.take(20).length, "made once the pooled arrays were dropped (30 is past the slack)");
        assertEquals(0, pool.pooledFloats());
        assertThrows(OutOfMemoryError.class, () -> pool.take(200), "with nothing pooled the error stands");
    }

    @Test void sizeClassesRoundUpByAtMostOneSixteenth() {
        for (int n : new int[]{1, 17, 32, 33, 100, 4095, 4096, 4097, 423936, 1 << 20, (1 << 20) + 1, 54321987}) {
            int c = ArrayPool.sizeClass(n);
            assertTrue(c >= n && c - n <= n / 16, n + " -> " + c);
            assertEquals(c, ArrayPool.sizeClass(c), "a class length is its own class");
        }
        assertEquals(32, ArrayPool.sizeClass(32));
        assertEquals(34, ArrayPool.sizeClass(33));
        assertEquals(4352, ArrayPool.sizeClass(4097));
        assertEquals(Integer.MAX_VALUE - 8, ArrayPool.sizeClass(Integer.MAX_VALUE - 8), "no class past the longest array");
    }

    /** Batches sized by random counts reuse arrays instead of making new ones. */
    @Test void nearbyLengthsShareArrays() {
        ArrayPool pool = new ArrayPool(1 << 20);
        float[] a = pool.take(60 * 69 * 96);
        assertTrue(a.length >= 60 * 69 * 96);
        pool.give(a);
        assertSame(a, pool.take(61 * 69 * 96), "the next count's length falls in the same class");
        assertEquals(a.length, pool.liveFloats(), "live memory counts the arrays handed out");
    }

    @Test void aShorterRequestTakesAPooledArrayUpToTheSlackLonger() {
        ArrayPool pool = new ArrayPool(1 << 24);
        float[] big = pool.take(100_000); // class 102400
        pool.give(big);
        float[] tooShort = pool.take(60_000); // class 61440: 1.25 × 61440 < 102400
        assertNotSame(big, tooShort, "more than the slack shorter: a fresh array");
        assertSame(big, pool.take(90_000), "within the slack: the pooled array");
        pool.give(big);
        pool.give(tooShort);
        assertSame(tooShort, pool.take(tooShort.length), "the closest fit first");
    }
}
