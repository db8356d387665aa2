package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PeakShareTest {
    @Test void aHostThatSlowsDownHalfwayKeepsTheShareOfItsRuns() {
        // 1 GFLOP per run; the host delivers a peak of 200 GFLOP/s, then 100: the runs take 10 ms, then 20 ms
        double share = PeakShare.median(1e9, new double[] {10, 10, 20, 20, 20}, new double[] {200, 200, 200, 100, 100, 100});
        // shares 0.5, 0.5, 50 / 150, 0.5, 0.5; the first reading alone against the median run would say 50 / 200 = 0.25
        assertEquals(0.5, share, 1e-12);
    }

    @Test void eachRunIsPairedWithTheReadingsBeforeAndAfterIt() {
        double share = PeakShare.median(2e9, new double[] {10, 10}, new double[] {100, 300, 500});
        // 200 GFLOP/s per run; means 200 and 400: shares 1.0 and 0.5, median of two = 0.75
        assertEquals(0.75, share, 1e-12);
    }

    @Test void theReadingsMustOutnumberTheRunsByOne() {
        assertThrows(IllegalArgumentException.class, () -> PeakShare.median(1e9, new double[] {10, 10}, new double[] {100, 100}));
        assertThrows(IllegalArgumentException.class, () -> PeakShare.median(1e9, new double[0], new double[] {100}));
    }

    @Test void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, PeakShare.median(new double[] {4, 1, 3, 2}), 0);
        assertEquals(3, PeakShare.median(new double[] {5, 3, 1}), 0);
    }
}
