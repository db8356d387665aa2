package imfengine.imf;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which steps get a line in each mode, on a clock the test sets. */
class ProgressLogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true);
    private long nanos;

    private static Trainer.StepMetrics m(long step) { return new Trainer.StepMetrics(step, 2.0, 0.5, 0.25, 1e-3, 0.1); }

    /** The step number of each line printed. */
    private List<Long> steps() {
        String s = bytes.toString();
        assertFalse(s.contains("\r"), "plain lines only:\n" + s);
        return Arrays.stream(s.split("\n")).filter(l -> !l.isEmpty())
                .map(l -> Long.parseLong(l.split("[ /]")[1])).toList();
    }

    @Test void everyNStepsAndTheLastOne() {
        ProgressLog log = ProgressLog.everySteps(out, 3, () -> nanos);
        log.begin(0, 10, 0);
        for (long s = 1; s <= 10; s++) log.step(m(s));
        log.end();
        assertEquals(List.of(3L, 6L, 9L, 10L), steps());
    }

    @Test void aWarningIsALineOfItsOwn() {
        ProgressLog plain = ProgressLog.everySteps(out, 1, () -> nanos);
        plain.begin(0, 2, 0);
        plain.step(m(1));
        plain.warn("warning: slow");
        plain.step(m(2));
        plain.end();
        String[] lines = bytes.toString().split("\n");
        assertEquals(3, lines.length, bytes.toString());
        assertTrue(lines[0].startsWith("step 1/2") && lines[1].equals("warning: slow") && lines[2].startsWith("step 2/2"), bytes.toString());

        bytes.reset();
        ProgressLog live = ProgressLog.live(out);
        live.begin(0, 2, 0);
        live.step(m(1));
        live.warn("warning: slow");
        live.step(m(2));
        live.end();
        String s = bytes.toString();
        assertTrue(s.matches("(?s)\rstep 1/2[^\n]*\nwarning: slow\n\rstep 2/2[^\n]*\n"), s); // the live line ended, then redrawn
    }

    @Test void everyNStepsWhenStepsArriveInBatches() {
        // a trainer that reads metrics back every 5 steps: one line per batch that passes a multiple of 3
        ProgressLog log = ProgressLog.everySteps(out, 3, () -> nanos);
        log.begin(20, 35, 0);
        for (long s = 21; s <= 35; s++) if (s % 5 == 0) log.step(m(s));
        log.end();
        assertEquals(List.of(25L, 30L, 35L), steps()); // 21..25 passes 21 and 24; 26..30 passes 27 and 30; 31..35 passes 33
    }

    @Test void everyTSecondsAndTheLastOne() {
        ProgressLog log = ProgressLog.everySeconds(out, 10, () -> nanos);
        log.begin(0, 0, 60);
        double[] endOfStep = {4, 9, 11, 15, 21.5, 23};
        for (int i = 0; i < endOfStep.length; i++) {
            nanos = (long) (endOfStep[i] * 1e9);
            log.step(m(i + 1));
        }
        log.end();
        assertEquals(List.of(3L, 5L, 6L), steps()); // ≥ 10 s after the start, ≥ 10 s after that line, then the last
    }

    @Test void stepsReportedLateKeepTheirOwnTimes() {
        // a trainer that reads its metrics back every 10 steps reports steps 1..10 at once, 20 s in; they ended
        // every 2 s. The lines go to the steps 10 s apart, each with its own elapsed time and rate (reported with
        // the time of the report, step 1 would get a line saying 0.05 it/s at 0m20s).
        ProgressLog log = ProgressLog.everySeconds(out, 10, () -> nanos);
        log.begin(0, 0, 60);
        nanos = 20_000_000_000L;
        for (int s = 1; s <= 10; s++) log.step(m(s), s * 2_000_000_000L);
        log.end();
        assertEquals(List.of(5L, 10L), steps());
        String first = bytes.toString().lines().findFirst().orElseThrow();
        assertTrue(first.contains("0.50 it/s") && first.contains("elapsed 0m10s") && first.contains("ETA 0m50s"), first);
    }

    @Test void aLineSaysWhereTheRunIs() {
        ProgressLog log = ProgressLog.everySteps(out, 1, () -> nanos);
        log.begin(0, 100, 0);
        nanos = 5_000_000_000L;
        log.step(m(10));
        assertEquals("step 10/100  " + m(10).losses() + "  2.00 it/s  elapsed 0m05s  ETA 0m45s\n", bytes.toString());
    }

    @Test void liveRedrawsOneLineAndEndsIt() {
        ProgressLog log = ProgressLog.live(out);
        log.begin(0, 3, 0);
        for (long s = 1; s <= 3; s++) log.step(m(s));
        log.end();
        String s = bytes.toString();
        assertEquals(3, s.chars().filter(c -> c == '\r').count());
        assertEquals(1, s.chars().filter(c -> c == '\n').count());
        assertTrue(s.endsWith("\n") && s.contains("step 3/3"), s);
    }

    @Test void nothingOwedWhenNoStepRan() {
        ProgressLog log = ProgressLog.everySteps(out, 5, () -> nanos);
        log.begin(7, 7, 0);
        log.end();
        assertEquals("", bytes.toString());
    }
}
