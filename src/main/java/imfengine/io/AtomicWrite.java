package imfengine.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a part:
 * the bytes go to a temporary file in the same directory, which is forced to disk
 * ({@link FileChannel#force}) and then renamed over the target with {@code ATOMIC_MOVE}; the directory
 * is then forced too, so the rename survives a crash.
 * If the body throws, the temporary file is deleted and the target is left as it was. A process killed
 * during a write leaves its temporary behind; its name ({@link #temporaryName}) carries the writer's
 * process id, so that {@link StaleTemporaries} can tell a leftover from a write still in progress.
 */
public final class AtomicWrite {
    private AtomicWrite() {}

    /** Receives the stream to write the file's bytes to. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Body body) {
        try (Pending p = begin(target)) {
            body.writeTo(p.stream());
            p.commit();
        } catch (IOException e) {
            throw failed(target, e);
        }
    }

    /**
     * Starts a write that the caller streams over time (a long sampling run writes several files side by side):
     * {@link Pending#commit()} puts the whole file under {@code target}; {@link Pending#close()} without it
     * deletes the temporary, leaving the target as it was.
     */
    public static Pending begin(Path target) {
        try {
            return new Pending(target);
        } catch (IOException e) {
            throw failed(target, e);
        }
    }

    /** A file being written to its temporary; see {@link #begin}. */
    public static final class Pending implements AutoCloseable {
        private final Path target, dir;
        private Path tmp;
        private final FileChannel channel;
        private final OutputStream out;

        private Pending(Path target) throws IOException {
            Path abs = target.toAbsolutePath();
            this.target = abs;
            this.dir = abs.getParent();
            Files.createDirectories(dir);
            // Not Files.createTempFile: that makes the file mode 600, and the renamed file would keep it.
            Path t = dir.resolve(temporaryName(abs.getFileName().toString()));
            this.channel = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.tmp = t;
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        }

        /** Where the file's bytes go (buffered; do not close it). */
        public OutputStream stream() { return out; }

        /** Forces the bytes to disk and renames the temporary over the target. */
        public void commit() {
            if (tmp == null) throw new IllegalStateException("cannot write " + target + ": already committed or closed");
            try {
                out.flush();
                channel.force(true);
                channel.close();
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                tmp = null;
                syncDirectory(dir);
            } catch (IOException e) {
                throw failed(target, e);
            }
        }

        /** Deletes the temporary unless committed: the target stays as it was. */
        @Override public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // best effort: the failure that brought us here is the one to report
            }
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // as above
                }
                tmp = null;
            }
        }
    }

    private static UncheckedIOException failed(Path target, IOException e) {
        return new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }

    /** {@code .<target>.<pid>-<hex>.tmp}: hidden, next to the target, with the writing process's id. */
    static String temporaryName(String target) {
        return "." + target + "." + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()) + ".tmp";
    }

    /** Makes the rename itself durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; the file itself is already on disk
        }
    }
}
