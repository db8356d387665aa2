package imfengine.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes the temporaries that {@link AtomicWrite} leaves when its process is killed mid-write (SIGKILL
 * during a checkpoint leaves {@code .checkpoint.safetensors.<pid>-<hex>.tmp}). Only names of exactly that
 * form, for the targets given, are touched, and only when their writer is gone: no process has that id, or
 * the one that has it started after the file was last written (the id was reused, as it is from run to run
 * in a container). A temporary whose writer still runs (another process writing into the same folder) is
 * left alone. The older form without a process id ({@code .<target>.<hex>.tmp}) counts as stale.
 */
public final class StaleTemporaries {
    /** Process start times come from /proc with about a second of rounding; a reused id must be clearly newer. */
    private static final long START_SLACK_SECONDS = 2;

    private StaleTemporaries() {}

    /** Deletes the stale temporaries of {@code targets} (file names) in {@code dir}; returns the files deleted. */
    public static List<Path> remove(Path dir, String... targets) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) return removed;
        List<Pattern> patterns = new ArrayList<>();
        for (String t : targets) patterns.add(Pattern.compile("\\." + Pattern.quote(t) + "\\.(?:([0-9]{1,10})-)?[0-9a-f]{1,16}\\.tmp"));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path f : ds) {
                for (Pattern p : patterns) {
                    Matcher m = p.matcher(f.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(f) && writerGone(m.group(1), f)) {
                        if (Files.deleteIfExists(f)) removed.add(f);
                        break;
                    }
                }
            }
        }
        removed.sort(null);
        return removed;
    }

    private static boolean writerGone(String pid, Path file) throws IOException {
        if (pid == null) return true;
        Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(pid));
        if (h.isEmpty() || !h.get().isAlive()) return true;
        Optional<Instant> started = h.get().info().startInstant();
        Instant written = Files.getLastModifiedTime(file).toInstant();
        return started.isPresent() && started.get().isAfter(written.plusSeconds(START_SLACK_SECONDS));
    }
}
