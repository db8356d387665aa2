package imfengine.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ResumeOptions}: recorded settings become defaults, changes are announced or refused. */
class ResumeOptionsTest {
    static final Set<String> OPTIONS = Set.of("batch", "lr", "seed", "preset", "data", "interval", "steps");
    static final Map<String, String> META = Map.of("batch", "8", "lr", "0.002", "seed", "3", "preset", "xs",
            "data", Path.of("data/mnist.bin").toAbsolutePath().toString(), "sample_interval", "0.0,1.0");

    private static Args resume(ByteArrayOutputStream notices, String... argv) {
        return ResumeOptions.apply("train", Args.parse("train", List.of(argv), OPTIONS, Set.of()), META, new PrintStream(notices, true));
    }

    @Test void recordedSettingsStandInForTheDefaults() {
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        Args a = resume(notices, "--steps", "9");
        assertEquals(8, a.integer("batch", 128));
        assertEquals(0.002, a.number("lr", 1e-3));
        assertEquals("xs", a.string("preset", "s"));
        assertEquals(9, a.longValue("steps", 1000));
        assertEquals("", notices.toString());
    }

    @Test void theSameValueWrittenAnotherWayIsNoChange() {
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        resume(notices, "--lr", "2e-3", "--batch", "8", "--seed", "3", "--preset", "xs", "--data", "data/./mnist.bin", "--interval", "0,1");
        assertEquals("", notices.toString());
    }

    @Test void aChangedSettingWinsAndIsAnnounced() {
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        Args a = resume(notices, "--batch", "16");
        assertEquals(16, a.integer("batch", 128));
        assertEquals("train: --batch 16 overrides the resumed run's --batch 8\n", notices.toString());
    }

    @Test void aFixedSettingCannotChange() {
        UsageException e = assertThrows(UsageException.class, () -> resume(new ByteArrayOutputStream(), "--seed", "4"));
        assertTrue(e.getMessage().startsWith("train: --seed 4 cannot change on --resume: the run's seed is 3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test void theRecordedPrecisionIsKeptUnlessTheDeviceOrTheFlagChanges() {
        Map<String, String> meta = Map.of("device", "cuda", "precision", "bf16");
        Set<String> options = Set.of("device", "precision");
        ByteArrayOutputStream notices = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(notices, true);
        assertEquals("bf16", ResumeOptions.apply("train", Args.parse("train", List.of(), options, Set.of()), meta, out).string("precision", "?"));
        // a new device takes its own default precision: the CPU's fp32, not the GPU run's bf16
        Args cpu = ResumeOptions.apply("train", Args.parse("train", List.of("--device", "cpu"), options, Set.of()), meta, out);
        assertFalse(cpu.has("precision"));
        Args tf32 = ResumeOptions.apply("train", Args.parse("train", List.of("--precision", "tf32"), options, Set.of()), meta, out);
        assertEquals("tf32", tf32.string("precision", "?"));
        assertEquals("train: --device cpu overrides the resumed run's --device cuda\n"
                + "train: --precision tf32 overrides the resumed run's --precision bf16\n", notices.toString());
    }
}
