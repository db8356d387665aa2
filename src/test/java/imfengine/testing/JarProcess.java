package imfengine.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code java -jar target/imf-engine.jar …} started by a process test (*IT, run by {@code mvn verify} after
 * the jar is built): its stdout and stderr lines as they arrive, its process tree, and a {@link #close()} that
 * kills whatever of the tree is left, so a failing test leaves no training process behind. Waits are for a
 * line or an exit, each with a generous bound; the machine running the tests may be heavily loaded.
 */
public final class JarProcess implements AutoCloseable {
    /** A bound for things that take a few seconds on an idle machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(180);

    private final Process process;
    private final List<String> out = new ArrayList<>(), err = new ArrayList<>();
    private final Set<ProcessHandle> seen = new LinkedHashSet<>();

    private JarProcess(Process process) {
        this.process = process;
        reader(process.getInputStream(), out);
        reader(process.getErrorStream(), err);
    }

    /**
     * The fat jar the build made; its path comes from the pom's process-test execution (system property
     * {@code imf.jar}), which runs after {@code package}. Run elsewhere (the unit-test phase, an IDE), the test skips.
     */
    public static Path jar() {
        String p = System.getProperty("imf.jar");
        assumeTrue(p != null, "a process test: runs in `mvn verify` (make test), after the jar is built");
        if (!Files.isRegularFile(Path.of(p))) fail("no jar at " + p);
        return Path.of(p);
    }

    /** The {@code java} of the JDK running the tests (25), which has the Vector API module only when asked. */
    public static Path java25() { return Path.of(System.getProperty("java.home"), "bin", "java"); }

    /**
     * Starts {@code java [jvmOptions] -jar imf-engine.jar args}; JVM options from the environment are dropped,
     * so that the launcher's own decisions (re-launch or not) are what is tested.
     */
    public static JarProcess start(Path java, List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        return startUnder(List.of(), java, jvmOptions, env, args);
    }

    /** As above, as the program that {@code launcher} starts ({@code mpirun -np 2 …}). */
    public static JarProcess startUnder(List<String> launcher, Path java, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(java.toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        return new JarProcess(pb.start());
    }

    public static JarProcess start(String... args) throws IOException { return start(java25(), List.of(), Map.of(), args); }

    public Process process() { return process; }

    /** The processes this one has started (the re-launched JVM), remembered for {@link #close()}. */
    public synchronized List<ProcessHandle> descendants() {
        List<ProcessHandle> d = process.toHandle().descendants().toList();
        seen.addAll(d);
        return d;
    }

    /** Waits for a stderr line that matches; fails with everything printed so far when none comes in time. */
    public String awaitErr(Predicate<String> match, Duration timeout) throws InterruptedException {
        return await(err, match, timeout);
    }

    /** Waits for the exit; fails (and kills) when it takes longer than {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            fail("still running after " + timeout + "\n" + transcript());
        }
        drain();
        return process.exitValue();
    }

    public synchronized List<String> out() { return List.copyOf(out); }

    public synchronized List<String> err() { return List.copyOf(err); }

    public String transcript() { return "stdout:\n" + String.join("\n", out()) + "\nstderr:\n" + String.join("\n", err()); }

    @Override public void close() {
        descendantsQuietly();
        process.destroyForcibly();
        synchronized (this) {
            seen.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private void descendantsQuietly() {
        try {
            descendants();
        } catch (RuntimeException ignored) {
            // the tree may be gone already
        }
    }

    private String await(List<String> lines, Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = 0;
        synchronized (this) {
            while (true) {
                for (; checked < lines.size(); checked++) if (match.test(lines.get(checked))) return lines.get(checked);
                long left = deadline - System.nanoTime();
                boolean ended = !process.isAlive() && readersDone == 2;
                if (left <= 0 || ended) break;
                wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
            }
        }
        fail((process.isAlive() ? "no matching line within " + timeout : "exited (" + process.exitValue() + ") without a matching line")
                + "\n" + transcript());
        return null;
    }

    private int readersDone;

    /** After the exit, waits (briefly) until both readers have seen the end of their stream. */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (this) {
            while (readersDone < 2 && System.nanoTime() < deadline) wait(100);
        }
    }

    /** Collects lines split at '\n' only, so that a carriage return (a redrawn progress line) stays visible. */
    private void reader(InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (InputStreamReader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                for (int c; (c = r.read()) != -1; ) {
                    if (c != '\n') {
                        line.append((char) c);
                        continue;
                    }
                    synchronized (this) {
                        into.add(line.toString());
                        notifyAll();
                    }
                    line.setLength(0);
                }
                if (!line.isEmpty()) {
                    synchronized (this) {
                        into.add(line.toString());
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                synchronized (this) {
                    readersDone++;
                    notifyAll();
                }
            }
        }, "jar-process-reader");
        t.setDaemon(true);
        t.start();
    }
}
