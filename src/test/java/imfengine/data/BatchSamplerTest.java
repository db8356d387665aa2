package imfengine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    @Test
    void sameSeedSameOrderDifferentSeedDifferentOrder() {
        BatchSampler a = new BatchSampler(100, 7), b = new BatchSampler(100, 7), c = new BatchSampler(100, 8);
        int[] ra = a.next(250), rb = b.next(250), rc = c.next(250);
        assertArrayEquals(ra, rb);
        assertFalse(Arrays.equals(ra, rc));
    }

    @Test
    void eachEpochIsAPermutationAndEpochsDiffer() {
        BatchSampler s = new BatchSampler(37, 1);
        int[] e0 = s.next(37), e1 = s.next(37);
        assertArrayEquals(IntStream.range(0, 37).toArray(), Arrays.stream(e0).sorted().toArray());
        assertArrayEquals(IntStream.range(0, 37).toArray(), Arrays.stream(e1).sorted().toArray());
        assertFalse(Arrays.equals(e0, e1));
        assertFalse(Arrays.equals(e0, IntStream.range(0, 37).toArray()));
        assertEquals(1, s.epoch());
        assertEquals(37, s.position());
    }

    @Test
    void batchesStraddleEpochBoundaries() {
        BatchSampler whole = new BatchSampler(10, 3), batched = new BatchSampler(10, 3);
        int[] flat = whole.next(40);
        int[] joined = new int[40];
        for (int k = 0; k < 10; k++) System.arraycopy(batched.next(4), 0, joined, 4 * k, 4);
        assertArrayEquals(flat, joined);
        assertEquals(3, batched.epoch());
    }

    @Test
    void restoreContinuesBitForBit() {
        BatchSampler s = new BatchSampler(1000, 42);
        s.next(2345);
        long[] state = s.state();
        int[] expected = s.next(3000);

        BatchSampler fresh = BatchSampler.fromState(state);
        assertArrayEquals(expected, fresh.next(3000));
        BatchSampler other = new BatchSampler(1000, 42);
        other.next(17);
        other.restore(state);
        assertArrayEquals(expected, other.next(3000));
        assertArrayEquals(s.state(), other.state());
    }

    @Test
    void rejectsForeignOrBadState() {
        BatchSampler s = new BatchSampler(10, 1);
        assertThrows(IllegalArgumentException.class, () -> s.restore(new BatchSampler(11, 1).state()));
        assertThrows(IllegalArgumentException.class, () -> s.restore(new BatchSampler(10, 2).state()));
        assertThrows(IllegalArgumentException.class, () -> s.restore(new long[] {1, 10, 0, 11}));
        assertThrows(IllegalArgumentException.class, () -> s.restore(new long[] {1, 10}));
    }
}
