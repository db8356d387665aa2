package imfengine.cli;

import org.junit.jupiter.api.Test;
import sun.misc.Signal;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real SIGHUP raised in this JVM while the handler is installed is recorded, not fatal (the first one counts). */
class StopSignalTest {
    @Test void recordsTheFirstSignalAndGivesItsExitCode() throws Exception {
        try (StopSignal stop = StopSignal.install()) {
            // never raise a signal that is not ours to handle: it would end the test JVM
            assumeTrue(stop.handles("HUP") && stop.handles("TERM"), "SIGHUP and SIGTERM are handled here");
            assertFalse(stop.getAsBoolean());
            Signal.raise(new Signal("HUP"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!stop.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(10); // handlers run on their own thread
            assertTrue(stop.getAsBoolean(), "SIGHUP recorded");
            stop.receive(new Signal("TERM")); // a second signal changes nothing (called directly: a raised one could
                                              // be dispatched after close() and end this JVM)
            assertEquals("SIGHUP", stop.name());
            assertEquals(129, stop.exitCode());
        }
    }
}
