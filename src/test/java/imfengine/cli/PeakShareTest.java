package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PeakShareTest {
    @Test void aHostThatSlowsDownHalfwayKeepsTheShareOfItsRuns() {
        // 1 GFLOP per run; the host delivers a peak of 200 GFLOP/s, then 100: the runs take 10 ms, then 20 ms
        double share = PeakShare.median(1e9, new double[] {10, 10, 20, 20, 20}, new double[] {200, 200, 200, 100, 100, 100});
        // shares 0.5, 0.5, 50 / 200, 0.5, 0.5; the first reading alone against the median run would say 50 / 200 = 0.25
        assertEquals(0.5, share, 1e-12);
    }

    @Test void eachRunIsDividedByTheHigherOfTheReadingsAroundIt() {
        double share = PeakShare.median(2e9, new double[] {10, 10}, new double[] {100, 300, 500});
        // 200 GFLOP/s per run against 300 and 500: shares 2/3 and 0.4, median of two = 8/15
        assertEquals(8.0 / 15, share, 1e-12);
    }

    @Test void oneLowReadingDoesNotRaiseTheShares() {
        // a hiccup during the reading between runs 0 and 1 (90 among 180s): the runs' shares stay 0.5
        double share = PeakShare.median(0.9e9, new double[] {10, 10, 10}, new double[] {180, 90, 180, 180});
        assertEquals(0.5, share, 1e-12);
    }

    @Test void theReadingsMustOutnumberTheRunsByOne() {
        assertThrows(IllegalArgumentException.class, () -> PeakShare.median(1e9, new double[] {10, 10}, new double[] {100, 100}));
        assertThrows(IllegalArgumentException.class, () -> PeakShare.median(1e9, new double[0], new double[] {100}));
    }
}
