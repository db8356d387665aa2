package imfengine.cli;

import imfengine.nn.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The replicas a step gets by default, and how the threads are shared out among them. */
class ReplicaOptionsTest {
    @Test void onePerThreadForTheSmallModelsWithEnoughExamplesEach() {
        ModelConfig xs = ModelConfig.preset("xs"), s = ModelConfig.preset("s"), b2 = ModelConfig.preset("B/2");
        assertEquals(2, ReplicaOptions.defaultFor(xs, 128, 2));
        assertEquals(2, ReplicaOptions.defaultFor(s, 64, 2));
        assertEquals(8, ReplicaOptions.defaultFor(xs, 128, 16), "at most one per 16 examples");
        assertEquals(1, ReplicaOptions.defaultFor(xs, 8, 2), "a batch too small to share");
        assertEquals(1, ReplicaOptions.defaultFor(xs, 128, 1));
        assertEquals(1, ReplicaOptions.defaultFor(b2, 256, 16), "the large models keep one copy");
    }

    @Test void theThreadsAreSharedOutTheFirstReplicasTakingTheRest() {
        for (int threads = 1; threads <= 9; threads++)
            for (int replicas = 1; replicas <= threads; replicas++) {
                int sum = 0, min = Integer.MAX_VALUE, max = 0;
                for (int r = 0; r < replicas; r++) {
                    int t = ReplicaOptions.threadsOf(r, replicas, threads);
                    sum += t;
                    min = Math.min(min, t);
                    max = Math.max(max, t);
                }
                assertEquals(threads, sum, replicas + " of " + threads);
                assertEquals(List.of(true, true), List.of(min >= 1, max - min <= 1), replicas + " of " + threads);
            }
        assertEquals(2, ReplicaOptions.threadsOf(0, 2, 3));
        assertEquals(1, ReplicaOptions.threadsOf(1, 2, 3));
    }
}
