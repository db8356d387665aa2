package imfengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only our own temporaries whose writer is gone are removed; everything else in the folder stays. */
class StaleTemporariesTest {
    /** Above Linux's largest pid_max (2^22), so no process has it. */
    static final long NO_SUCH_PID = (1L << 22) + 7;

    @Test void removesLeftoversOfDeadWritersOnly(@TempDir Path dir) throws Exception {
        long me = ProcessHandle.current().pid();
        Path dead = touch(dir, ".checkpoint.safetensors." + NO_SUCH_PID + "-18c0f3a2b4.tmp");
        Path oldForm = touch(dir, ".checkpoint.safetensors.18c0f3a2b4.tmp"); // written before ids were in the name
        Path png = touch(dir, ".samples.png." + NO_SUCH_PID + "-1f.tmp");
        // an id now taken by a process that started after the file was written: the id was reused
        Path reused = touch(dir, ".checkpoint.safetensors." + me + "-aa.tmp");
        Files.setLastModifiedTime(reused, FileTime.from(Instant.now().minusSeconds(24 * 3600 * 365L)));
        Path live = touch(dir, ".checkpoint.safetensors." + me + "-bb.tmp"); // this JVM, writing right now
        List<Path> keep = List.of(live,
                touch(dir, "checkpoint.safetensors"),
                touch(dir, ".checkpoint.safetensors.tmp"),
                touch(dir, ".checkpoint.safetensors.xyz.tmp"),
                touch(dir, "checkpoint.safetensors." + NO_SUCH_PID + "-ab.tmp"),
                touch(dir, ".checkpoint.safetensors." + NO_SUCH_PID + "-ab.tmp.bak"),
                touch(dir, ".metrics.jsonl." + NO_SUCH_PID + "-ab.tmp"),
                touch(dir, ".mycheckpoint.safetensors." + NO_SUCH_PID + "-ab.tmp"));
        List<Path> removed = StaleTemporaries.remove(dir, "checkpoint.safetensors", "samples.png");
        assertEquals(List.of(reused, dead, oldForm, png).stream().sorted().toList(), removed);
        for (Path p : removed) assertTrue(Files.notExists(p), p.toString());
        for (Path p : keep) assertTrue(Files.exists(p), p + " must stay");
    }

    @Test void aFolderThatIsNotThereHasNothingToRemove(@TempDir Path dir) throws Exception {
        assertEquals(List.of(), StaleTemporaries.remove(dir.resolve("absent"), "checkpoint.safetensors"));
    }

    @Test void atomicWriteNamesItsTemporaryAfterItsProcess() {
        String name = AtomicWrite.temporaryName("checkpoint.safetensors");
        assertTrue(name.matches("\\.checkpoint\\.safetensors\\." + ProcessHandle.current().pid() + "-[0-9a-f]+\\.tmp"), name);
    }

    private static Path touch(Path dir, String name) throws Exception {
        return Files.writeString(dir.resolve(name), "x");
    }
}
