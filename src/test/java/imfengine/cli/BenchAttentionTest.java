package imfengine.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench --what attention}: attention alone at the preset's shapes, forward and forward with tangent (no timing asserted). */
class BenchAttentionTest {
    @Test void timesTheForwardAndTheDualAtThePresetsShapes() {
        CliRun r = CliRun.of("bench", "--what", "attention", "--preset", "xs", "--batch", "2", "--repeats", "1", "--warmup", "0", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("attention of preset xs: B 2, L 69,"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("attention_fwd ")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("attention_jvp ")), r.out());
    }
}
