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
        assertEquals(50, pool.take(50).length, "made once the pooled arrays were dropped");
        assertEquals(0, pool.pooledFloats());
        assertThrows(OutOfMemoryError.class, () -> pool.take(200), "with nothing pooled the error stands");
    }
}
